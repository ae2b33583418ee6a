using Microsoft.Extensions.Options;

namespace PromptQueue.ProviderSimulator;

/// <summary>The annotation rules of <see cref="SimulatorOptions"/>, checked by generated code (as the worker's options are).</summary>
[OptionsValidator]
internal sealed partial class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>;
