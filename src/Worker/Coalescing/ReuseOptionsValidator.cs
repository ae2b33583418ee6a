using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Coalescing;

/// <summary>The annotation rules of <see cref="ReuseOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class ReuseOptionsValidator : IValidateOptions<ReuseOptions>;
