// The interpreter anchors of ../shared/anchors/py_interp.py compute the right values.
// Their speed is measured by scripts/bench next to CPython, never by a test.

import Foundation
import Language
import Testing

@Suite struct AnchorProgramTests {
    static let cases: [(String, String, String)] = [
        ("fib(30)", "fn fib(n) = n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(30)", "832040"),
        ("loop 10M", """
            fn loop(n) {
              let s = 0.0
              let i = 0
              while i < n {
                s = s + i * 0.5
                i = i + 1
              }
              return s
            }
            loop(10000000)
            """, "24999997500000"),
    ]

    @Test(arguments: 0..<2)
    func anchor(_ k: Int) throws {
        let (name, text, expected) = AnchorProgramTests.cases[k]
        let session = try Session(prelude: false)
        let program = try session.compile(try! Source(path: name, text: text))
        let v = try session.interpreter.run(program)
        #expect(v?.description == expected, "\(name)")
    }
}
