using System.CommandLine;
using PromptQueue.Producer.Sample;
using Spectre.Console;

var rabbitMq = new Option<string>("--rabbitmq") { Description = "AMQP URI of the broker", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/" };
var count = new Option<int>("--count", "-n") { Description = "Requests to publish", DefaultValueFactory = _ => 1000 };
var rate = new Option<double>("--rate") { Description = "Requests per second (0: as fast as the broker confirms)", DefaultValueFactory = _ => 0 };
var tenant = new Option<string>("--tenant") { Description = "Tenant id of the requests", DefaultValueFactory = _ => "demo" };
var model = new Option<string>("--model") { Description = "Model name", DefaultValueFactory = _ => "sim-small" };
var lane = new Option<string>("--lane") { Description = "Lane (request queue promptqueue.requests.{lane})", DefaultValueFactory = _ => "default" };
var requestsFile = new Option<FileInfo?>("--requests") { Description = "JSONL file of CompletionRequest objects to publish" };
var questionsFile = new Option<FileInfo?>("--questions") { Description = "gzip JSONL of question pairs (a, b) to build prompts from" };
var mix = new Option<string>("--priority-mix") { Description = "Share per class: urgent=10,high=0,normal=60,bulk=30 (or priorities 0-9)", DefaultValueFactory = _ => "urgent=10,normal=60,bulk=30" };
var timeout = new Option<TimeSpan>("--timeout") { Description = "Longest wait for all results", DefaultValueFactory = _ => TimeSpan.FromMinutes(5) };
var summaryJson = new Option<FileInfo?>("--summary-json") { Description = "Also write the summary as JSON to this file" };
var quiet = new Option<bool>("--quiet") { Description = "No progress bar" };

var root = new RootCommand("PromptQueue sample producer: publishes completion requests and reports on their result events.")
{
    rabbitMq, count, rate, tenant, model, lane, requestsFile, questionsFile, mix, timeout, summaryJson, quiet,
};

root.SetAction(async (parsed, cancellationToken) =>
{
    var settings = new ProducerSettings
    {
        RabbitMqUri = new Uri(parsed.GetValue(rabbitMq)!),
        Count = parsed.GetValue(count),
        Rate = parsed.GetValue(rate),
        Tenant = parsed.GetValue(tenant)!,
        Model = parsed.GetValue(model)!,
        Lane = parsed.GetValue(lane)!,
        RequestsFile = parsed.GetValue(requestsFile),
        QuestionsFile = parsed.GetValue(questionsFile),
        Mix = PriorityMix.Parse(parsed.GetValue(mix)!),
        Timeout = parsed.GetValue(timeout),
        SummaryFile = parsed.GetValue(summaryJson),
        Quiet = parsed.GetValue(quiet),
    };
    return await ProducerCommand.RunAsync(settings, AnsiConsole.Console, TimeProvider.System, cancellationToken);
});

return await root.Parse(args).InvokeAsync();
