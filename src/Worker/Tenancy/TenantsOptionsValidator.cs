using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>The annotation rules of <see cref="TenantsOptions"/> and its <see cref="TenantsOptions.Default"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class TenantsOptionsValidator : IValidateOptions<TenantsOptions>;
