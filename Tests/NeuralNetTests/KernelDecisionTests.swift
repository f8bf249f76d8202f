@testable import NeuralNet
import Testing

/// `cdsa kernels`' decision: speed only among kernel sets whose products are right.
struct KernelDecisionTests {
    let ok = 1e-7, wrong = 0.6

    @Test func aFasterSetIsChosenOnlyWhenFifteenPercentFaster() {
        #expect(KernelChoice.decide(openblas: "Zen", speeds: ["Zen": 100, "Haswell": 114], errors: ["Zen": ok, "Haswell": ok]) == "Zen")
        #expect(KernelChoice.decide(openblas: "Zen", speeds: ["Zen": 100, "Haswell": 116], errors: ["Zen": ok, "Haswell": ok]) == "Haswell")
    }

    @Test func aSetWithWrongProductsIsNeverChosenHoweverFast() {
        #expect(KernelChoice.decide(openblas: "Zen", speeds: ["Zen": 100, "SkylakeX": 300], errors: ["Zen": ok, "SkylakeX": wrong]) == "Zen")
        // OpenBLAS's own pick computing wrong products gives way to the fastest right set.
        #expect(KernelChoice.decide(openblas: "SkylakeX", speeds: ["SkylakeX": 300, "Haswell": 90, "Nehalem": 40],
                                    errors: ["SkylakeX": wrong, "Haswell": ok, "Nehalem": ok]) == "Haswell")
        // A set without a reading is not known to be right.
        #expect(KernelChoice.decide(openblas: "Zen", speeds: ["Zen": 100, "Haswell": 200], errors: ["Zen": ok]) == "Zen")
    }

    @Test func noRightSetLeavesOpenBLASsPick() {
        #expect(KernelChoice.decide(openblas: "Zen", speeds: ["Zen": 100, "Haswell": 200], errors: ["Zen": wrong, "Haswell": .nan]) == "Zen")
    }
}
