using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>The annotation rules of one <see cref="ModelOptions"/>; <see cref="ProvidersOptionsCustomValidator"/> calls it per model.</summary>
[OptionsValidator]
internal sealed partial class ModelOptionsValidator : IValidateOptions<ModelOptions>;
