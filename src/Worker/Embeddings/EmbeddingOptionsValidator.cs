using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Embeddings;

/// <summary>The annotation rules of <see cref="EmbeddingOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class EmbeddingOptionsValidator : IValidateOptions<EmbeddingOptions>;
