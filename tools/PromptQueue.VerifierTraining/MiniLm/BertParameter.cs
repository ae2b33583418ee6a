namespace PromptQueue.VerifierTraining.MiniLm;

/// <summary>One BERT parameter as stored in the ONNX graph.</summary>
/// <param name="Name">Hugging Face / PyTorch parameter name, e.g. encoder.layer.0.attention.self.query.weight.</param>
/// <param name="Initializer">The ONNX initializer holding it (same as Name, or a number such as "927" for MatMul weights).</param>
/// <param name="Shape">Shape in PyTorch layout (nn.Linear weight is [out, in]).</param>
/// <param name="Transposed">True when the initializer holds the transpose ([in, out], the right operand of a MatMul).</param>
/// <param name="Data">The values in PyTorch layout.</param>
internal sealed record BertParameter(string Name, string Initializer, long[] Shape, bool Transposed, float[] Data);
