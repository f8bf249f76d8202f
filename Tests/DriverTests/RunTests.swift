// `cdsa run`, `cdsa check` and piped stdin, end to end through the built binary.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"))
struct RunTests {
    let config = """
    # a tiny experiment
    let steps = 10
    let name = "hopper"
    let verbose = false
    let sizes = [64, 64]
    let cfg = {lr: 0.5, adam: {beta: 0.9}}
    print(steps, name, verbose, sizes, cfg.lr, cfg.adam.beta)

    """

    @Test func runPrintsAndExitsZero() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        let r = try cdsa(["run", script], in: dir)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "10 hopper false [64, 64] 0.5 0.9\n", "\(r)")
        #expect(r.stderr.isEmpty)
    }

    @Test func setOverridesTopLevelLiteralsAndRecordFields() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        let r = try cdsa(["run", script, "--set", "steps=2", "--set", "name=walker2d", "--set", "verbose=true",
                          "--set", "sizes=[8]", "--set", "cfg.lr=1e-3", "--set", "cfg.adam.beta=-0.5",
                          "--set", "steps=3"], in: dir)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "3 walker2d true [8] 0.001 -0.5\n", "\(r)")
    }

    @Test func setUnknownNameIsAUsageErrorListingSettableNames() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        let r = try cdsa(["run", script, "--set", "stpes=2"], in: dir)
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty, "the script must not run")
        #expect(r.stderr.contains("'stpes' is not a top-level config value"), "\(r)")
        #expect(r.stderr.contains("settable: steps, name, verbose, sizes, cfg, cfg.lr, cfg.adam, cfg.adam.beta"), "\(r)")
    }

    @Test(arguments: [["steps=many"], ["verbose=1"], ["steps"], ["=3"], ["cfg={lr: 1}", "cfg.lr=2"]])
    func badSetIsAUsageError(sets: [String]) throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        let r = try cdsa(["run", script] + sets.flatMap { ["--set", $0] }, in: dir)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.hasPrefix("cdsa: --set"), "\(r)")
    }

    @Test func seedMakesRandomNumbersRepeatable() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(tolist(rand(4)))\n", to: "r.cdsa", in: dir)
        let a = try cdsa(["run", script, "--seed", "7"], in: dir)
        let b = try cdsa(["run", script, "--seed", "7"], in: dir)
        let c = try cdsa(["run", script, "--seed", "8"], in: dir)
        #expect(a.status == 0, "\(a)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        #expect(try cdsa(["run", script, "--seed", "x"], in: dir).status == 64)
    }

    @Test func threadsOutOfRangeIsAOneLineUsageError() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(tolist(ones([2, 3]) @ ones([3, 2])))\n", to: "t.cdsa", in: dir)
        let bad = try cdsa(["run", "--threads", "0", script], in: dir)
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stdout.isEmpty, "the script must not run")
        #expect(bad.stderr == "cdsa: --threads must be between 1 and 256, got 0\n", "\(bad)")
        let one = try cdsa(["run", "--threads", "1", script], in: dir)
        #expect(one.status == 0 && one.stdout == "[[3, 3], [3, 3]]\n" && one.stderr.isEmpty, "\(one)")
    }

    /// The same seed gives the same numbers whatever the core count: a training run's
    /// losses print identically (all 17 digits) at --threads 1 and --threads 2.
    @Test func aTrainingRunPrintsTheSameNumbersAtOneAndTwoThreads() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("""
            let x = randn([512, 11])
            let y = tanh(x @ randn([11, 3]))
            let net = mlp([11, 256, 256, 3], out="tanh")
            let opt = adam(net, lr=1e-3)
            fn loss() = mse(net(x), y)
            print(fit(opt, loss, steps=40), sum(net(x)))

            """, to: "bc.cdsa", in: dir)
        let one = try cdsa(["run", "--threads", "1", "--seed", "4", script], in: dir)
        let two = try cdsa(["run", "--threads", "2", "--seed", "4", script], in: dir)
        #expect(one.status == 0 && !one.stdout.isEmpty, "\(one)")
        #expect(one.stdout == two.stdout, "\(one)\n\(two)")
    }

    @Test func compileErrorsExit65BeforeAnythingRuns() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(\"started\")\nlet = 3\nlet z = (\n", to: "bad.cdsa", in: dir)
        for command in ["run", "check"] {
            let r = try cdsa([command, script], in: dir)
            #expect(r.status == 65, "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(r.stderr.contains("bad.cdsa:2:5: error:") && r.stderr.contains("bad.cdsa:4:1: error:"),
                    "every syntax error is reported: \(r)")
        }
        write("print(\"started\")\nlet y = fob(1)\n", to: "bad.cdsa", in: dir)
        let r = try cdsa(["check", script], in: dir)
        #expect(r.status == 65)
        #expect(r.stderr == "\(script):2:9: error: unknown name 'fob'\nlet y = fob(1)\n        ^~~\n", "\(r)")
    }

    @Test func runtimeErrorsExit70WithTheCallStack() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(\"before\")\nfn f(r) = r.missing\nf({a: 1})\nprint(\"after\")\n", to: "boom.cdsa", in: dir)
        let r = try cdsa(["run", script], in: dir)
        #expect(r.status == 70, "\(r)")
        #expect(r.stdout == "before\n")
        #expect(r.stderr.hasPrefix("\(script):2:11: error: record has no field 'missing'\nfn f(r) = r.missing\n          ^~~~~~~~~\n"), "\(r)")
        #expect(r.stderr.contains("  at f (\(script):2:11)\n  at <script> (\(script):3:1)"), "\(r)")
        // `check` only parses and resolves: the same file is fine.
        #expect(try cdsa(["check", script], in: dir).status == 0)
    }

    @Test func deepRecursionRunsOnTheLargeStack() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("fn depth(n) = 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(990))\nprint(depth(5000))\n",
                           to: "deep.cdsa", in: dir)
        let r = try cdsa(["run", script], in: dir)
        #expect(r.stdout == "990\n", "\(r)")
        #expect(r.status == 70 && r.stderr.contains("stack overflow"), "\(r)")
    }

    @Test func usageErrorsExit64() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try cdsa(["run"], in: dir).status == 64)
        #expect(try cdsa(["run", "missing.cdsa"], in: dir).status == 64)
        #expect(try cdsa(["frobnicate"], in: dir).status == 64)
        #expect(try cdsa(["--version"], in: dir).stdout.hasPrefix("cdsa 0.1.0\n"))
    }

    @Test func pipedStdinRunsLineByLine() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var r = try cdsa([], input: "print(1+2)\n", in: dir)
        #expect(r.status == 0 && r.stdout == "3\n", "\(r)")
        // Multi-line statements, auto-printed values, and errors that do not stop the rest.
        let input = "fn twice(x) {\n  return 2 * x\n}\ntwice(21)\nnosuch + 1\n\"still here\"\n:vars\n1 / 0\n"
        r = try cdsa([], input: input, in: dir)
        #expect(r.stdout == "42\n\"still here\"\ntwice = <fn twice>\ninf\n", "\(r)")
        #expect(r.stderr.contains("<stdin>:5:1: error: unknown name 'nosuch'"), "\(r)")
        #expect(r.status == 65, "the first failure decides the exit code: \(r)")
        r = try cdsa([], input: "error(\"boom\")\n", in: dir)
        #expect(r.status == 70, "\(r)")
    }

    /// Piped input reads as `cdsa run` reads a file: a line starting with `|>` (or `else`)
    /// continues the statement before it, even after a blank or comment line, and errors
    /// carry the line's number in the whole input.
    @Test func pipedStdinReadsAsAFileDoes() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        let xs = [3, 1, 2]
          |> sort

          # then reverse
          |> reversed
        print(xs)
        if len(xs) > 5 { print("long") }
        else { print("short") }
        # Scales x.
        fn scale(x, k=2) = x * k
        help(scale)
        print(xs[7])

        """
        let file = write(script, to: "pipe.cdsa", in: dir)
        let piped = try cdsa([], input: script, in: dir)
        #expect(piped.stdout == "[3, 2, 1]\nshort\nscale(x, k=2)\n  Scales x.\n", "\(piped)")
        #expect(piped.stderr.hasPrefix("<stdin>:12:7: error: index 7 out of range for list of length 3\nprint(xs[7])\n"), "\(piped)")
        #expect(piped.status == 70, "\(piped)")
        let run = try cdsa(["run", file], in: dir)
        #expect(run.stdout == piped.stdout, "\(run)")
        #expect(run.stderr.hasPrefix("\(file):12:7: error: index 7 out of range"), "\(run)")

        // An unclosed bracket at the end is reported at the bracket, on its line.
        let open = try cdsa([], input: "print(1)\nlet sizes = [64,\n  64\n", in: dir)
        #expect(open.stdout == "1\n", "\(open)")
        #expect(open.stderr.hasPrefix("<stdin>:2:13: error: '[' is never closed"), "\(open)")

        // The last value is `_`, which is not every one-letter typo's "did you mean".
        let last = try cdsa([], input: "[1, 2]\n_ + [3]\nprint(e)\n", in: dir)
        #expect(last.stdout == "[1, 2]\n[1, 2, 3]\n", "\(last)")
        #expect(last.stderr.hasPrefix("<stdin>:3:7: error: unknown name 'e'\n"), "\(last)")
    }

    /// `cdsa script.cdsa` runs the script as `cdsa run script.cdsa` does, options and all.
    @Test func aScriptAsTheFirstArgumentRunsIt() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        let r = try cdsa([script, "--set", "steps=2"], in: dir)
        #expect(r.status == 0 && r.stdout == "2 hopper false [64, 64] 0.5 0.9\n", "\(r)")
        let shortName = try cdsa(["--threads", "1", "exp.cdsa"], in: dir)
        #expect(shortName.status == 0 && shortName.stdout.hasPrefix("10 hopper"), "\(shortName)")
    }

    /// Ctrl-C ends `cdsa run` with 130 (128 + SIGINT), not the runtime-error code.
    @Test func interruptingARunExits130() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(\"start\")\nlet n = 0\nwhile true { n += 1 }\n", to: "spin.cdsa", in: dir)
        let r = try cdsa(["run", script], in: dir, timeout: 30, interruptAfter: 1)
        #expect(r.status == 130, "\(r)")
        #expect(r.stdout == "start\n" && r.stderr.contains("error: interrupted"), "\(r)")
    }

    /// A training run stopped by Ctrl-C also exits 130, its message saying where it stopped.
    @Test func interruptingATrainingRunExits130() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("""
            let m = env("pointmaze-umaze")
            let d = collect(m, random_policy(m, seed=1), 500)
            print("start")
            bc(d, steps=100000000, seed=1, progress=false, hidden=[8], batch_size=8)

            """, to: "train.cdsa", in: dir)
        let r = try cdsa(["run", "--threads", "1", script], in: dir, timeout: 60, interruptAfter: 3)
        #expect(r.status == 130 && r.stderr.contains("bc: interrupted at step"), "\(r)")
    }

    /// `--seed -1` is a seed (the language's `seed(-1)`), not an unknown option.
    @Test func negativeSeedsParse() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("print(tolist(rand(2)))\n", to: "r.cdsa", in: dir)
        let flag = try cdsa(["run", script, "--seed", "-1"], in: dir)
        let language = try cdsa(["run", write("seed(-1)\nprint(tolist(rand(2)))\n", to: "s.cdsa", in: dir)], in: dir)
        #expect(flag.status == 0 && flag.stdout == language.stdout, "\(flag)\n\(language)")
        let max = try cdsa(["run", script, "--seed", "18446744073709551615"], in: dir)
        #expect(max.status == 0 && max.stdout == flag.stdout, "UInt64.max is -1's bit pattern: \(max)")
    }

    /// `--set` reaches the literal fields of a record that also has computed ones; setting
    /// a computed one says why it cannot be set.
    @Test func setReachesLiteralFieldsBesideComputedOnes() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("let cfg = {lr: 0.01, n: 2 * 3}\nprint(cfg)\n", to: "c.cdsa", in: dir)
        let r = try cdsa(["run", script, "--set", "cfg.lr=0.5"], in: dir)
        #expect(r.status == 0 && r.stdout == "{lr: 0.5, n: 6}\n", "\(r)")
        let computed = try cdsa(["run", script, "--set", "cfg.n=3"], in: dir)
        #expect(computed.status == 64, "\(computed)")
        #expect(computed.stderr == "cdsa: --set cfg.n: 'cfg.n' is computed (`2 * 3`), not a literal, so it cannot be replaced; settable: cfg.lr\n", "\(computed)")
    }

    /// `cdsa check --set` validates the overrides without running anything.
    @Test func checkValidatesOverrides() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write(config, to: "exp.cdsa", in: dir)
        #expect(try cdsa(["check", script, "--set", "steps=3"], in: dir).status == 0)
        let bad = try cdsa(["check", script, "--set", "steps=many"], in: dir)
        #expect(bad.status == 64 && bad.stderr.hasPrefix("cdsa: --set steps: expected a number"), "\(bad)")
        #expect(try cdsa(["check", script, "--set", "stpes=3"], in: dir).status == 64)
    }
}
