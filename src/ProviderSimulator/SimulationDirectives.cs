using System.Globalization;
using System.Text.RegularExpressions;

namespace PromptQueue.ProviderSimulator;

/// <summary>
/// Per-request behaviour a test asks for inside the prompt text:
/// <c>[sim:status=429]</c> always answer that status; <c>[sim:fail=2:500]</c> fail the first 2 calls of this prompt
/// with 500, then answer; <c>[sim:stall=5000]</c> wait 5 s before answering; <c>[sim:latency=200]</c> fixed latency.
/// </summary>
public sealed partial record SimulationDirectives(int? Status, int FailFirst, int FailStatus, int? StallMs, int? LatencyMs)
{
    public static readonly SimulationDirectives None = new(null, 0, 0, null, null);

    public static SimulationDirectives Parse(string prompt)
    {
        if (!prompt.Contains("[sim:", StringComparison.Ordinal))
        {
            return None;
        }

        int? status = null, stall = null, latency = null;
        int failFirst = 0, failStatus = 500;
        foreach (Match m in DirectivePattern().Matches(prompt))
        {
            var value = m.Groups["value"].Value;
            switch (m.Groups["name"].Value)
            {
                case "status":
                    status = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "stall":
                    stall = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "latency":
                    latency = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "fail":
                    var parts = value.Split(':');
                    failFirst = int.Parse(parts[0], CultureInfo.InvariantCulture);
                    if (parts.Length > 1)
                    {
                        failStatus = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    }

                    break;
            }
        }

        return new SimulationDirectives(status, failFirst, failStatus, stall, latency);
    }

    [GeneratedRegex(@"\[sim:(?<name>status|stall|latency|fail)=(?<value>[0-9:]+)\]")]
    private static partial Regex DirectivePattern();
}
