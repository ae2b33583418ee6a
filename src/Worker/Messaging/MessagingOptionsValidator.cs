using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Messaging;

/// <summary>The annotation rules of <see cref="MessagingOptions"/>, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class MessagingOptionsValidator : IValidateOptions<MessagingOptions>;
