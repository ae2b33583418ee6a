using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Publishing;

/// <summary>The annotation rules of <see cref="ResultsOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class ResultsOptionsValidator : IValidateOptions<ResultsOptions>;
