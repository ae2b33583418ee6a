using System.Diagnostics;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>Runs a client in another language to completion, bounded in time.</summary>
public static class ExternalProcess
{
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        var errors = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await errors);
    }
}
