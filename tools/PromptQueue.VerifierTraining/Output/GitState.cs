using System.ComponentModel;
using System.Diagnostics;

namespace PromptQueue.VerifierTraining.Output;

/// <summary>The commit the training ran from, and whether tracked files differed from it.</summary>
internal sealed record GitState(string Commit, bool Dirty)
{
    public static GitState Read()
    {
        var commit = Git("rev-parse", "HEAD");
        return commit is null ? new GitState("unknown", false) : new GitState(commit, Git("status", "--porcelain", "--untracked-files=no") is { Length: > 0 });
    }

    private static string? Git(params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (Win32Exception)
        {
            return null; // no git on the machine
        }
    }
}
