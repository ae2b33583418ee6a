using System.Runtime.InteropServices;

namespace PromptQueue.VerifierTraining;

internal static partial class NativeEnvironment
{
    /// <summary>
    /// Makes LibTorch's OpenMP threads sleep instead of spin while they wait, unless OMP_WAIT_POLICY is already set.
    /// Must run before the first TorchSharp call: libgomp reads its environment when LibTorch is loaded.
    /// </summary>
    /// <remarks>
    /// On 2 cores shared with other processes, spinning threads wait on each other's descheduled partner: a training
    /// step at 2 threads took a median 2.1 s spinning vs 1.2 s passive in the feasibility spike. The same reason the
    /// worker's ONNX Runtime session sets session.intra_op.allow_spinning=0. Environment.SetEnvironmentVariable is not
    /// enough: .NET keeps its own copy of the environment, so this calls libc's setenv.
    /// </remarks>
    public static void PreferPassiveOpenMpWaits()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
