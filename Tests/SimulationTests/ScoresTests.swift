import Testing
@testable import Simulation

@Suite struct ScoresTests {
    @Test(arguments: ["hopper", "halfcheetah", "walker2d", "ant", "antmaze-umaze", "antmaze-medium", "antmaze-large",
                      "maze2d-umaze", "maze2d-medium-dense", "pointmaze-umaze", "pointmaze-large-dense"])
    func randomScoresZeroExpertScoresHundred(task: String) throws {
        let ref = try ReferenceScores.reference(for: task)
        #expect(abs(try normalizedScore(task: task, return: ref.random)) < 1e-9)
        #expect(abs(try normalizedScore(task: task, return: ref.expert) - 100) < 1e-9)
    }

    @Test func d4rlValues() throws {
        // d4rl/infos.py REF_MIN_SCORE / REF_MAX_SCORE.
        #expect(try ReferenceScores.reference(for: "hopper") == ReferenceScore(random: -20.272305, expert: 3234.3))
        #expect(try ReferenceScores.reference(for: "halfcheetah") == ReferenceScore(random: -280.178953, expert: 12135.0))
        #expect(try ReferenceScores.reference(for: "walker2d") == ReferenceScore(random: 1.629008, expert: 4592.3))
        #expect(try ReferenceScores.reference(for: "ant") == ReferenceScore(random: -325.6, expert: 3879.7))
        #expect(try ReferenceScores.reference(for: "maze2d-large-v1") == ReferenceScore(random: 6.7, expert: 273.99))
        // Hopper at 1627.0 is the midpoint-ish: 100 · (1627.0 + 20.272305) / 3254.572305.
        #expect(abs(try normalizedScore(task: "hopper-medium-v2", return: 1627.0) - 50.6137) < 1e-3)
        #expect(try normalizedScore(task: "antmaze-large-diverse-v2", return: 0.75) == 75)
    }

    /// maze2d's references from D4RL's source: v1 in d4rl/infos.py, v0 (shorter episodes)
    /// only in d4rl/pointmaze/__init__.py's registrations; a v0 name must not get v1's.
    @Test(arguments: [("maze2d-umaze-v1", 23.85, 161.86), ("maze2d-medium-v1", 13.13, 277.39),
                      ("maze2d-large-v1", 6.7, 273.99), ("maze2d-umaze-dense-v1", 68.537689, 193.66285642381482),
                      ("maze2d-medium-dense-v1", 44.264742, 297.4552547777125),
                      ("maze2d-large-dense-v1", 30.569041, 303.4857382709002), ("maze2d-umaze", 23.85, 161.86),
                      ("maze2d-umaze-v0", 0.94, 62.6), ("maze2d-medium-v0", 5.77, 85.14), ("maze2d-large-v0", 4.83, 191.99),
                      ("maze2d-umaze-dense-v0", 23.249793, 81.78995240126592),
                      ("maze2d-medium-dense-v0", 19.47762, 96.03474232952358),
                      ("Maze2d-Large-Dense-V0", 27.38831, 215.09965671563742)])
    func maze2dReferencesDependOnTheVersion(name: String, random: Double, expert: Double) throws {
        #expect(try ReferenceScores.reference(for: name) == ReferenceScore(random: random, expert: expert))
    }

    @Test(arguments: [("hopper-medium-replay-v2", "hopper"), ("halfcheetah-medium-expert-v2", "halfcheetah"),
                      ("walker2d-random-v0", "walker2d"), ("ant-full-replay-v2", "ant"), ("ANT-EXPERT-V2", "ant"),
                      ("antmaze-umaze-v2", "antmaze-umaze"), ("antmaze-medium-play-v2", "antmaze-medium"),
                      ("maze2d-umaze-dense-v1", "maze2d-umaze-dense"), ("pointmaze-medium-distance", "pointmaze-medium-distance")])
    func datasetNamesResolveToTheirEnvironment(name: String, environment: String) throws {
        #expect(try ReferenceScores.reference(for: name) == ReferenceScores.table[environment]!)
    }

    @Test func unknownTaskListsTheKnownOnes() {
        #expect(throws: ScoreError.unknownTask("humanoid-medium-v2", known: ReferenceScores.knownTasks)) {
            try normalizedScore(task: "humanoid-medium-v2", return: 1)
        }
        let message = String(describing: ScoreError.unknownTask("x", known: ReferenceScores.knownTasks))
        #expect(message.contains("'x'") && message.contains("hopper") && message.contains("pointmaze-umaze"))
        #expect(throws: ScoreError.self) { try ReferenceScores.reference(for: "hopper-v") }
        #expect(throws: ScoreError.self) { try ReferenceScores.reference(for: "medium") }
    }

    @Test func everyPointMazeTaskIsInTheTable() {
        for size in MazeSize.allCases {
            for reward in PointMaze.Reward.allCases {
                #expect(ReferenceScores.table[PointMaze.taskName(size, reward)] != nil)
            }
        }
    }
}
