using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Matching;

/// <summary>The annotation rules of <see cref="MatchOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class MatchOptionsValidator : IValidateOptions<MatchOptions>;
