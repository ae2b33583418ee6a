using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>The annotation rules of one <see cref="TenantOptions"/>: the default policy's, and each tenant's through <see cref="TenantsOptionsCustomValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class TenantOptionsValidator : IValidateOptions<TenantOptions>;
