namespace PromptQueue.TestSupport;

/// <summary>What <see cref="ChildProcess.Start"/> runs, with which environment, and where its output goes.</summary>
public sealed record ChildProcessStart(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables set on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The log file for standard output and error, given the process id (so a restarted process can get a file of its own).</summary>
    public required Func<int, string> LogPath { get; init; }

    public bool AppendToLog { get; init; }

    /// <summary>Each output line as it goes into the log (a run can stamp lines with its own clock to line them up with its timeline).</summary>
    public Func<string, string> FormatLine { get; init; } = line => line;
}
