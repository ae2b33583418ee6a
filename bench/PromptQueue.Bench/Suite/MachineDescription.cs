using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace PromptQueue.Bench.Suite;

/// <summary>What the figures were measured on: CPU, cores, memory, OS, runtime, broker and Redis versions.</summary>
public static class MachineDescription
{
    public static IReadOnlyList<(string Name, string Value)> Read(SuiteServices services)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription;
        return
        [
            ("CPU", $"{cpu}, {Environment.ProcessorCount} cores (shared by broker, Redis, simulator, worker and the bench client)"),
            ("memory", $"{memKb / 1048576.0:0.0} GiB"),
            ("OS", $"{os}, kernel {Environment.OSVersion.Version}"),
            ("runtime", RuntimeInformation.FrameworkDescription),
            ("RabbitMQ", RabbitMqVersion()),
            ("Redis", RedisVersion(services.Redis)),
            ("date", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)),
        ];
    }

    private static string RabbitMqVersion()
    {
        try
        {
            var management = new Uri(Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_MANAGEMENT") ?? "http://guest:guest@127.0.0.1:15672/");
            using var http = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(5) };
            var credentials = Uri.UnescapeDataString(management.UserInfo);
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Length > 0 ? credentials : "guest:guest")));
            var overview = http.GetFromJsonAsync<JsonElement>("api/overview").GetAwaiter().GetResult();
            return overview.GetProperty("rabbitmq_version").GetString() + ", Erlang " + overview.GetProperty("erlang_version").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or KeyNotFoundException)
        {
            return "unknown";
        }
    }

    private static string RedisVersion(string configuration)
    {
        try
        {
            using var redis = ConnectionMultiplexer.Connect(configuration);
            return redis.GetServers()[0].Version.ToString();
        }
        catch (RedisConnectionException)
        {
            return "unknown";
        }
    }
}
