using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// The annotation rules of one <see cref="LaneOptions"/>, checked by generated code. Lanes are a dictionary, which
/// neither the generator nor DataAnnotations walks, so <see cref="MessagingOptionsCustomValidator"/> calls this per lane.
/// </summary>
[OptionsValidator]
internal sealed partial class LaneOptionsValidator : IValidateOptions<LaneOptions>;
