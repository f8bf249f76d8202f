// Ctrl-C's one mechanism: the engine's CancellationToken. Setting it from another thread
// stops a long cdsa loop (through the interpreter's hook) or a long built-in (polling it)
// with "interrupted", and the session's variables survive. Each test uses its own token:
// tests run in parallel, and the process-wide `CancellationToken.interrupt` is the REPL's.

import Autodiff
import Bindings
import Foundation
import Language
import Testing

@Suite struct CancellationTests {
    /// Runs `first` in a session on a big-stack thread, cancelling `token` after `delay`;
    /// then runs `second` in the same session and returns both outcomes.
    func interrupt(_ first: String, then second: String, after delay: Double) async -> (Failure?, String) {
        let token = CancellationToken()
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                final class Box { var text = "" }
                let out = Box()
                do {
                    let (session, _) = try makeSession(output: { out.text += $0 }, cancellation: token)
                    DispatchQueue.global().asyncAfter(deadline: .now() + delay) { token.cancel() }
                    var failure: Failure?
                    let source = try Source(path: "long.cdsa", bytes: Array(first.utf8))
                    do { try session.run(source) } catch let f as Failure { failure = f } catch {}
                    out.text = ""
                    try session.run(try Source(path: "after.cdsa", bytes: Array(second.utf8)))
                    continuation.resume(returning: (failure, out.text))
                } catch {
                    continuation.resume(returning: (nil, "unexpected: \(error)"))
                }
            }
            thread.stackSize = 64 << 20
            thread.start()
        }
    }

    @Test func aLongLoopStopsAndVariablesSurvive() async {
        let (failure, after) = await interrupt("""
            let kept = tensor([1, 2, 3])
            let i = 0
            while true { i += 1 }
            """, then: "print(kept, i > 0)", after: 0.2)
        #expect(failure?.diagnostics.first?.message == "interrupted")
        #expect(failure?.exitCode == .interrupted, "Ctrl-C is 130, not a runtime error (70)")
        #expect(after == "tensor([1, 2, 3]) true\n")
    }

    @Test func aLongBuiltinStopsBetweenSteps() async {
        let (failure, after) = await interrupt("""
            let net = mlp([4, 64, 1], seed=0)
            let opt = adam(net)
            let x = ones([32, 4])
            fit(opt, fn() = mean(net(x) ** 2), steps=100000000)
            """, then: "print(opt.steps > 0, opt.steps < 100000000, net(ones(4)).shape)", after: 0.3)
        #expect(failure?.diagnostics.first?.message == "interrupted")
        #expect(after == "true true [1]\n")
    }

    @Test func aLongRolloutStopsAndTheEnvironmentIsUsableAfter() async {
        let (failure, after) = await interrupt("""
            let m = env("pointmaze-umaze")
            rollout(m, random_policy(m, seed=0), episodes=100000000)
            """, then: "print(type(reset(m, seed=0)), keys(step(m, [0, 0]))[1])", after: 0.3)
        #expect(failure?.diagnostics.first?.message == "interrupted")
        #expect(after == "tensor reward\n")
    }

    @Test func aLongCollectStopsInsideACdsaPolicy() async {
        let (failure, after) = await interrupt("""
            let m = env("pointmaze-umaze")
            fn policy(obs) = [0.1, -0.1]
            collect(m, policy, 5000000)
            """, then: "print(m.name)", after: 0.3)
        #expect(failure?.diagnostics.first?.message == "interrupted")
        #expect(after == "pointmaze-umaze\n")
    }

    @Test func theNextEvaluationStartsFresh() async {
        let (failure, after) = await interrupt("while true { }", then: "let n = 0\nfor k in 0..<100000 { n += 1 }\nprint(n)", after: 0.1)
        #expect(failure?.diagnostics.first?.message == "interrupted")
        #expect(after == "100000\n")
    }
}
