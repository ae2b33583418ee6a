using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>The annotation rules of one <see cref="ProviderEndpointOptions"/>; <see cref="ProvidersOptionsCustomValidator"/> calls it per endpoint.</summary>
[OptionsValidator]
internal sealed partial class ProviderEndpointOptionsValidator : IValidateOptions<ProviderEndpointOptions>;
