using System.CommandLine;
using PromptQueue.VerifierTraining;
using PromptQueue.VerifierTraining.Commands;

NativeEnvironment.PreferPassiveOpenMpWaits(); // before LibTorch loads
var root = new RootCommand("Pair verifier training tools (scripts/train-verifier).") { ParityCommand.Create() };
return await root.Parse(args).InvokeAsync();
