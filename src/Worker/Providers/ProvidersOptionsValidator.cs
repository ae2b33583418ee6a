using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>The annotation rules of <see cref="ProvidersOptions"/> and its <see cref="ProvidersOptions.Resilience"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class ProvidersOptionsValidator : IValidateOptions<ProvidersOptions>;
