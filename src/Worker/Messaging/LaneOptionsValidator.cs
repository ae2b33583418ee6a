using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Messaging;

/// <summary>The annotation rules of one <see cref="LaneOptions"/>; <see cref="MessagingOptionsCustomValidator"/> calls it per lane.</summary>
[OptionsValidator]
internal sealed partial class LaneOptionsValidator : IValidateOptions<LaneOptions>;
