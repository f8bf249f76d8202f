import Autodiff
import Foundation
import Testing
@testable import NeuralNet

@Suite struct NetworkTests {
    @Test func parameterNamesFollowPyTorchSequential() throws {
        var rng = RandomGenerator(seed: 0)
        let plain = try MLP(.init(sizes: [11, 256, 256, 3], outputActivation: .tanh), rng: &rng)
        #expect(plain.parameters.map(\.name) == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias",
                                                 "net.4.weight", "net.4.bias"])
        #expect(plain.parameters[0].value.shape == [256, 11])   // [out, in]
        #expect(plain.parameterCount == 11 * 256 + 256 + 256 * 256 + 256 + 256 * 3 + 3)
        let normed = try MLP(.init(sizes: [4, 8, 8, 2], layerNorm: true), name: "q1", rng: &rng)
        // Sequential(Linear, LayerNorm, ReLU, Linear, LayerNorm, ReLU, Linear)
        #expect(normed.parameters.map(\.name) == ["q1.0.weight", "q1.0.bias", "q1.1.weight", "q1.1.bias",
                                                  "q1.3.weight", "q1.3.bias", "q1.4.weight", "q1.4.bias",
                                                  "q1.6.weight", "q1.6.bias"])
    }

    @Test func pytorchDefaultInitIsUniformInFanInBound() throws {
        var rng = RandomGenerator(seed: 1)
        let layer = try Linear(100, 400, rng: &rng)
        let w = layer.weight.value.scalars
        let bound: Float = 0.1
        #expect(w.allSatisfy { abs($0) <= bound })
        // U(-b, b) has variance b²/3.
        let variance = w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)
        #expect(abs(variance - Double(bound * bound) / 3) < 1e-4)
        #expect(layer.bias!.value.scalars.allSatisfy { abs($0) <= bound })
    }

    @Test(arguments: [(8, 5), (5, 8), (6, 6)])
    func orthogonalInitHasOrthonormalRowsOrColumns(rows: Int, columns: Int) throws {
        var rng = RandomGenerator(seed: 2)
        let layer = try Linear(columns, rows, initialization: .orthogonal(gain: 2), rng: &rng)
        let w = layer.weight.value
        // WᵀW = g²I (rows ≥ columns) or WWᵀ = g²I.
        let gram = rows >= columns ? try Tensor.matmul(w, w, transposeA: true) : try Tensor.matmul(w, w, transposeB: true)
        let n = min(rows, columns)
        for i in 0..<n {
            for j in 0..<n {
                #expect(abs(gram[flat: i * n + j] - (i == j ? 4 : 0)) < 1e-4)
            }
        }
        #expect(layer.bias!.value.scalars.allSatisfy { $0 == 0 })
    }

    @Test func mlpFitsASmallRegression() throws {
        // y = sin(3x₀) + x₁², 256 points; a 2-64-64-1 tanh MLP with Adam reaches MSE < 5e-3
        // in 1500 full-batch steps (it starts near 0.6).
        var rng = RandomGenerator(seed: 3)
        let x = try rng.uniform([256, 2], low: -1, high: 1)
        let xs = x.scalars
        let y = try Tensor(shape: [256, 1], scalars: (0..<256).map { sin(3 * xs[2 * $0]) + xs[2 * $0 + 1] * xs[2 * $0 + 1] })
        let net = try MLP(.init(sizes: [2, 64, 64, 1], activation: .tanh), rng: &rng)
        let opt = Adam(net.parameters, .init(learningRate: 3e-3))
        var first: Float = 0, last: Float = 0
        for step in 0..<1500 {
            let (loss, grads) = try valueWithGradients(at: net.parameters) { try mse(net(x), y) }
            if step == 0 { first = loss }
            last = loss
            try opt.step(grads)
        }
        #expect(first > 0.1)
        #expect(last < 5e-3)
    }

    @Test func adamStepsMatchHandComputedValues() throws {
        let p = Parameter(name: "p", value: try Tensor(shape: [2], scalars: [1, -2]))
        let opt = Adam([p], .init(learningRate: 0.1))
        try opt.step([try Tensor(shape: [2], scalars: [0.5, -1])])
        // Step 1: m̂ = g, v̂ = g², so each parameter moves by lr · sign(g).
        #expect(abs(p.value[flat: 0] - 0.9) < 1e-6 && abs(p.value[flat: 1] - (-1.9)) < 1e-6)
        try opt.step([try Tensor(shape: [2], scalars: [0.5, 0.5])])
        // Step 2 (worked by hand): m = [0.095, −0.04], v = [4.9975e-4, 1.249e-3].
        #expect(abs(p.value[flat: 0] - 0.8) < 1e-6)
        #expect(abs(p.value[flat: 1] - (-1.8733663)) < 1e-6)
    }

    @Test func adamWDecaysWeightsDecoupled() throws {
        let p = Parameter(name: "p", value: try Tensor(shape: [2], scalars: [1, -2]))
        let opt = Adam([p], .init(learningRate: 0.1, weightDecay: 0.1, decoupledWeightDecay: true))
        try opt.step([try Tensor(shape: [2], scalars: [0.5, -1])])
        // θ(1 − lr·λ) − lr·sign(g)
        #expect(abs(p.value[flat: 0] - 0.89) < 1e-6 && abs(p.value[flat: 1] - (-1.88)) < 1e-6)
    }

    /// A large parameter's update runs in slices on two threads: the same bits as one thread
    /// (the update is elementwise), including the ragged end of an odd-sized buffer.
    @Test func adamOnTwoThreadsMatchesOneBitForBit() throws {
        var rng = RandomGenerator(seed: 5)
        let start = try rng.normal([300, 301]), g1 = try rng.normal([300, 301]), g2 = try rng.normal([300, 301])
        let before = BLAS.threads
        defer { BLAS.setThreads(before) }
        func run(_ threads: Int) throws -> [Float] {
            BLAS.setThreads(threads)
            let p = Parameter(name: "w", value: start)
            let opt = Adam([p], .init(learningRate: 0.01, weightDecay: 0.1))
            try opt.step([g1])
            try opt.step([g2])
            return p.value.scalars
        }
        let one = try run(1)
        #expect(one != start.scalars)
        #expect(try run(2) == one)
    }

    /// A result must not depend on the machine's core count: a short behaviour-cloning run
    /// (products cut into pieces, parallel bias/activation and Adam passes) gives the same
    /// bits at one thread and at two.
    @Test func aTrainingRunIsBitIdenticalAtOneAndTwoThreads() throws {
        var data = RandomGenerator(seed: 11)
        let states = try data.normal([1024, 11]), actions = try data.uniform([1024, 3], low: -1, high: 1)
        let before = BLAS.threads
        defer { BLAS.setThreads(before) }
        func run(_ threads: Int) throws -> (losses: [Float], weights: [[Float]]) {
            BLAS.setThreads(threads)
            var rng = RandomGenerator(seed: 3)
            let actor = try MLP(.init(sizes: [11, 256, 256, 3], outputActivation: .tanh), rng: &rng)
            let opt = Adam(actor.parameters)
            var losses: [Float] = []
            for _ in 0..<30 {
                let idx = try rng.integers(512, high: 1024)
                let s = try states.gather(idx), a = try actions.gather(idx)
                let (loss, grads) = try valueWithGradients(at: actor.parameters) { try mse(actor(s), a) }
                try opt.step(grads)
                losses.append(loss)
            }
            return (losses, actor.parameters.map(\.value.scalars))
        }
        let one = try run(1), two = try run(2)
        #expect(one.losses.last! < one.losses.first!, "the run should learn something")
        #expect(one.losses == two.losses)
        #expect(one.weights == two.weights ? true : false, "the trained weights differ")
    }

    @Test func adamRejectsMismatchedGradients() throws {
        let p = Parameter(name: "w", value: try Tensor.zeros([2, 2]))
        let opt = Adam([p])
        #expect(throws: TensorError.self) { try opt.step([try Tensor.zeros([4])]) }
        #expect(throws: TensorError.self) { try opt.step([]) }
    }

    @Test func gradientClippingScalesToMaxNorm() throws {
        var grads = [try Tensor(shape: [2], scalars: [3, 0]), try Tensor(shape: [1], scalars: [4])]
        let norm = clipGradientNorm(&grads, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(grads[0][flat: 0] - 0.6) < 1e-5 && abs(grads[1][flat: 0] - 0.8) < 1e-5)
        var small = [try Tensor(shape: [1], scalars: [0.5])]
        clipGradientNorm(&small, maxNorm: 1)
        #expect(small[0][flat: 0] == 0.5)
    }

    @Test func cosineScheduleWarmsUpThenDecays() {
        let s = CosineSchedule(base: 1, totalSteps: 110, minimum: 0.1, warmupSteps: 10)
        #expect(abs(s(0) - 0.1) < 1e-6)
        #expect(abs(s(9) - 1) < 1e-6)
        #expect(abs(s(10) - 1) < 1e-6)
        #expect(abs(s(60) - 0.55) < 1e-5)   // halfway: midpoint of base and minimum
        #expect(abs(s(110) - 0.1) < 1e-6)
        #expect(abs(s(500) - 0.1) < 1e-6)
    }

    @Test func softUpdateMovesTargetTowardSource() throws {
        var rng = RandomGenerator(seed: 4)
        let source = try MLP(.init(sizes: [3, 4, 2]), rng: &rng)
        let target = try MLP(.init(sizes: [3, 4, 2]), rng: &rng)
        let before = target.parameters[0].value.scalars, src = source.parameters[0].value.scalars
        try softUpdate(target: target, source: source, tau: 0.25)
        let after = target.parameters[0].value.scalars
        for i in before.indices { #expect(abs(after[i] - (0.75 * before[i] + 0.25 * src[i])) < 1e-6) }
        let other = try MLP(.init(sizes: [3, 5, 2]), rng: &rng)
        #expect(throws: TensorError.self) { try softUpdate(target: other, source: source, tau: 0.1) }
    }

    @Test func sameSeedGivesSameNetworkAndTraining() throws {
        func train(seed: UInt64) throws -> [Float] {
            var rng = RandomGenerator(seed: seed)
            let net = try MLP(.init(sizes: [3, 16, 1], activation: .silu), rng: &rng)
            let opt = Adam(net.parameters)
            for _ in 0..<5 {
                let x = try rng.normal([8, 3]), y = try rng.normal([8, 1])
                try opt.step(try valueWithGradients(at: net.parameters) { try mse(net(x), y) }.gradients)
            }
            return net.parameters.flatMap { $0.value.scalars }
        }
        #expect(try train(seed: 7) == train(seed: 7))
        #expect(try train(seed: 7) != train(seed: 8))
    }

    @Test func stateDictRoundTripsAndChecksShapes() throws {
        var rng = RandomGenerator(seed: 5)
        let a = try MLP(.init(sizes: [3, 4, 2]), rng: &rng), b = try MLP(.init(sizes: [3, 4, 2]), rng: &rng)
        try b.load(stateDict: a.stateDict)
        #expect(a.parameters.map { $0.value.scalars } == b.parameters.map { $0.value.scalars })
        var broken = a.stateDict
        broken["net.0.weight"] = try Tensor.zeros([1])
        #expect(throws: TensorError.self) { try b.load(stateDict: broken) }
        broken.removeValue(forKey: "net.0.weight")
        #expect(throws: TensorError.self) { try b.load(stateDict: broken) }
    }

    @Test func singleInputAndBadShapes() throws {
        var rng = RandomGenerator(seed: 6)
        let net = try MLP(.init(sizes: [3, 4, 2]), rng: &rng)
        let x = try rng.normal([3])
        let single = try net(x), batched = try net(x.reshaped([1, 3]))
        #expect(single.shape == [2])
        #expect(single.scalars == batched.scalars)
        #expect(throws: TensorError.self) { try net(try Tensor.zeros([2, 5])) }
        #expect(throws: TensorError.self) { try MLP(.init(sizes: [3]), rng: &rng) }
    }
}

@Test func cancellationStopsATrainingLoopBetweenSteps() throws {
    var rng = RandomGenerator(seed: 9)
    let net = try MLP(.init(sizes: [2, 8, 1]), rng: &rng)
    let opt = Adam(net.parameters)
    let token = CancellationToken()
    let x = try rng.normal([4, 2]), y = try rng.normal([4, 1])
    var completed = 0
    #expect(throws: TensorError.cancelled) {
        try trainLoop(steps: 100, cancellation: token) { step in
            try opt.step(try valueWithGradients(at: net.parameters) { try mse(net(x), y) }.gradients)
            completed += 1
            if step == 2 { token.cancel() }   // as Ctrl-C would, mid-run
        }
    }
    #expect(completed == 3)
    #expect(opt.steps == 3)
    #expect(!token.isCancelled)   // cleared once observed, so the next run starts fresh
    #expect(net.parameters.allSatisfy { $0.value.node == nil })
}
