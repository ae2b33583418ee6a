using System.Globalization;
using PromptQueue.Reliability;
using RabbitMQ.Client;
using Spectre.Console;

// Run by scripts/bad-input, against the worker that script starts.
// Usage: PromptQueue.Reliability bad-input [count=10000] [lane=badinput] [worker=http://127.0.0.1:8190]
if (args.Length == 0 || args[0] != "bad-input")
{
    Console.Error.WriteLine("usage: PromptQueue.Reliability bad-input [count] [lane] [worker base url]");
    return 2;
}

var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var lane = args.Length > 2 ? args[2] : "badinput";
var worker = new Uri(args.Length > 3 ? args[3] : "http://127.0.0.1:8190/");
var broker = new Uri(Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/");
var tenant = $"badinput{DateTime.UtcNow:HHmmss}";

await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync("promptqueue-bad-input");
using var http = new HttpClient { BaseAddress = worker, Timeout = TimeSpan.FromSeconds(5) };
using var sampling = new CancellationTokenSource();
var memory = WorkerMemory.SampleAsync(http, sampling.Token);

var messages = HostileMessages.Generate(count, tenant, "sim-small");
AnsiConsole.MarkupLine($"publishing {messages.Count:N0} messages ({messages.Count(m => m.Expect == Expectation.Succeeded):N0} good) to lane {lane}…");
var report = await BadInputSuite.RunAsync(connection, lane, tenant, messages, TimeSpan.FromMinutes(10));
await sampling.CancelAsync();
var (baseline, peak, samples) = await memory;
var alive = await WorkerMemory.HealthyAsync(http);

var kinds = new Table().AddColumns("kind", "messages");
foreach (var (kind, n) in report.ByKind.OrderByDescending(k => k.Value))
{
    kinds.AddRow(kind, n.ToString("N0", CultureInfo.InvariantCulture));
}

AnsiConsole.Write(kinds);
var summary = new Table().AddColumns("measure", "value");
summary.AddRow("messages generated", messages.Count.ToString("N0", CultureInfo.InvariantCulture));
summary.AddRow("refused by the broker at publish (over max_message_size)", report.RefusedByBroker.ToString("N0", CultureInfo.InvariantCulture));
summary.AddRow("succeeded events", report.Succeeded.ToString("N0", CultureInfo.InvariantCulture));
summary.AddRow("failed events (InvalidRequest, ContextTooLong)", report.FailedEvents.ToString("N0", CultureInfo.InvariantCulture));
summary.AddRow("in the error queue (with a reason)", $"{report.InErrorQueue:N0} ({report.InErrorQueue - report.ErrorQueueWithoutReason:N0})");
summary.AddRow("violations", report.Violations.Count.ToString("N0", CultureInfo.InvariantCulture));
summary.AddRow("worker alive and healthy afterwards", alive ? "yes" : "NO");
summary.AddRow("worker working set: before / peak (samples)", $"{baseline / 1048576.0:0} MB / {peak / 1048576.0:0} MB ({samples})");
summary.AddRow("elapsed", $"{report.Elapsed.TotalSeconds:0.0} s");
AnsiConsole.Write(summary);
foreach (var violation in report.Violations.Take(20))
{
    AnsiConsole.MarkupLineInterpolated($"[red]{violation}[/]");
}

return report.Violations.Count == 0 && alive ? 0 : 1;
