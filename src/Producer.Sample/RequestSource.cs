using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Datasets;

namespace PromptQueue.Producer.Sample;

/// <summary>Builds the requests a run publishes: from a JSONL file of requests, from question pairs, or generated.</summary>
public static class RequestSource
{
    public static IReadOnlyList<CompletionRequest> Load(ProducerSettings settings)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        if (settings.RequestsFile is { } file)
        {
            return [.. File.ReadLines(file.FullName)
                .Where(line => !string.IsNullOrWhiteSpace(line))
                .Take(settings.Count)
                .Select((line, i) => Complete(JsonSerializer.Deserialize<CompletionRequest>(line, WireJson.Options)!, settings, runId, i))];
        }

        var prompts = settings.QuestionsFile is { Exists: true } questions ? ReadQuestions(questions, settings.Count) : Generated(settings.Count);
        return [.. prompts.Select((prompt, i) => Complete(new CompletionRequest
        {
            Model = settings.Model,
            Messages = [new ChatMessage { Role = "system", Content = "Answer in one short paragraph." }, new ChatMessage { Role = "user", Content = prompt }],
            Temperature = 0,
            MaxTokens = 128,
        }, settings, runId, i))];
    }

    private static CompletionRequest Complete(CompletionRequest request, ProducerSettings settings, string runId, int index)
    {
        var (className, priority) = settings.Mix.ClassOf(index, settings.Count);
        return request with
        {
            RequestId = string.IsNullOrEmpty(request.RequestId) ? $"{runId}-{index:D6}" : request.RequestId,
            TenantId = string.IsNullOrEmpty(request.TenantId) ? settings.Tenant : request.TenantId,
            Model = string.IsNullOrEmpty(request.Model) ? settings.Model : request.Model,
            Priority = priority,
            Metadata = new Dictionary<string, string>(request.Metadata ?? new Dictionary<string, string>()) { ["class"] = className, ["run"] = runId },
        };
    }

    private static List<string> ReadQuestions(FileInfo file, int count)
    {
        var prompts = LabelledPairs.Questions(file.FullName).Take(count).ToList();
        return prompts.Count >= count ? prompts : [.. prompts, .. Generated(count - prompts.Count)];
    }

    private static IEnumerable<string> Generated(int count) =>
        Enumerable.Range(0, count).Select(i => $"Summarise ticket #{i}: the customer reports that export job {i % 97} fails after {i % 13 + 1} minutes.");
}
