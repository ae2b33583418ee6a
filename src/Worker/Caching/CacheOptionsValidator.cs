using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Caching;

/// <summary>The annotation rules of <see cref="CacheOptions"/> (ranges, key prefix), checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>;
