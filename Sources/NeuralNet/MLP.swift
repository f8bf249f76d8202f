import Autodiff

/// A multilayer perceptron laid out like PyTorch's `nn.Sequential`: Linear, optional
/// LayerNorm, activation, …, Linear, optional output activation. Parameter names
/// follow the Sequential's indices (`net.0.weight`, `net.2.bias`, …), so a
/// state dict saved by PyTorch loads here unchanged.
public final class MLP: Module {
    public struct Config: Equatable, Sendable {
        /// Layer widths from input to output, e.g. [11, 256, 256, 3].
        public var sizes: [Int]
        public var activation: Activation = .relu
        /// LayerNorm after each hidden Linear (before the activation).
        public var layerNorm: Bool = false
        public var outputActivation: Activation = .identity
        public var initialization: Initialization = .pytorch

        public init(sizes: [Int], activation: Activation = .relu, layerNorm: Bool = false,
                    outputActivation: Activation = .identity, initialization: Initialization = .pytorch) {
            self.sizes = sizes
            self.activation = activation
            self.layerNorm = layerNorm
            self.outputActivation = outputActivation
            self.initialization = initialization
        }
    }

    public let config: Config
    /// The prefix of its parameter names ("net" → `net.0.weight`).
    public let name: String
    public let layers: [Linear]
    public let norms: [LayerNorm]

    public init(_ config: Config, name: String = "net", rng: inout RandomGenerator) throws {
        guard config.sizes.count >= 2 else {
            throw TensorError.invalidArgument(op: "mlp", "needs at least an input and an output size, got \(config.sizes)")
        }
        self.config = config
        self.name = name
        let prefix = name.isEmpty ? "" : name + "."
        var layers: [Linear] = [], norms: [LayerNorm] = []
        var index = 0   // the nn.Sequential index, counting parameterless modules too
        for i in 0..<(config.sizes.count - 1) {
            let hidden = i < config.sizes.count - 2
            layers.append(try Linear(config.sizes[i], config.sizes[i + 1], initialization: config.initialization,
                                     name: prefix + "\(index)", rng: &rng))
            index += 1
            if hidden {
                if config.layerNorm {
                    norms.append(try LayerNorm(config.sizes[i + 1], name: prefix + "\(index)"))
                    index += 1
                }
                index += 1   // the activation
            }
        }
        self.layers = layers
        self.norms = norms
    }

    public var parameters: [Parameter] {
        var ps: [Parameter] = []
        for (i, layer) in layers.enumerated() {
            ps += layer.parameters
            if config.layerNorm, i < norms.count { ps += norms[i].parameters }
        }
        return ps
    }

    /// A network with the same architecture, names and current weights, which later
    /// updates of this one leave alone (weights are copy-on-write).
    public func copy() throws -> MLP {
        var scratch = RandomGenerator(seed: 0)   // every weight is replaced below
        let twin = try MLP(config, name: name, rng: &scratch)
        for (t, p) in zip(twin.parameters, parameters) { t.value = p.value.detached }
        return twin
    }

    public var inputSize: Int { config.sizes[0] }
    public var outputSize: Int { config.sizes[config.sizes.count - 1] }

    /// Forward pass on a batch [n, inputs] (or a single input [inputs]).
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let single = input.rank == 1
        var x = single ? try input.reshaped([1, -1]) : input
        guard x.rank == 2, x.shape[1] == inputSize else {
            throw TensorError.shapeMismatch(op: "mlp", "expects input [batch, \(inputSize)], got \(input.shape)")
        }
        for (i, layer) in layers.enumerated() {
            let last = i == layers.count - 1
            if last {
                x = try layer(x, activation: config.outputActivation)
            } else if config.layerNorm {
                x = try config.activation.apply(norms[i](layer(x)))
            } else {
                x = try layer(x, activation: config.activation)   // fused bias + activation
            }
        }
        return single ? try x.reshaped([outputSize]) : x
    }
}

extension MLP: CustomStringConvertible {
    public var description: String {
        let shape = config.sizes.map(String.init).joined(separator: "-")
        var extras = [config.activation.rawValue]
        if config.layerNorm { extras.append("layernorm") }
        if config.outputActivation != .identity { extras.append("out \(config.outputActivation.rawValue)") }
        return "mlp \(shape) (\(extras.joined(separator: ", ")); \(parameterCount) parameters)"
    }
}

extension Activation: Codable {}

/// An MLP's architecture as its checkpoints and policy files record it: sizes,
/// activations and layer norm (the initialisation does not matter once weights load).
extension MLP.Config: Codable {
    private enum CodingKeys: String, CodingKey { case sizes, activation, layernorm, out }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sizes: try c.decode([Int].self, forKey: .sizes),
                  activation: try c.decodeIfPresent(Activation.self, forKey: .activation) ?? .relu,
                  layerNorm: try c.decodeIfPresent(Bool.self, forKey: .layernorm) ?? false,
                  outputActivation: try c.decodeIfPresent(Activation.self, forKey: .out) ?? .identity)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sizes, forKey: .sizes)
        try c.encode(activation, forKey: .activation)
        try c.encode(layerNorm, forKey: .layernorm)
        try c.encode(outputActivation, forKey: .out)
    }
}
