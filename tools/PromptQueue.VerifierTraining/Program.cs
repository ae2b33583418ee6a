using PromptQueue.VerifierTraining;
using PromptQueue.VerifierTraining.Commands;

NativeEnvironment.PreferPassiveOpenMpWaits(); // before LibTorch loads
return await TrainCommand.Create().Parse(args).InvokeAsync();
