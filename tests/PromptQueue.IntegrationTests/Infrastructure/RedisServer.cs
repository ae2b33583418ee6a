using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>
/// A private redis-server (Debian's package, installed by scripts/lib/services.sh) on a free loopback port, no
/// persistence, so a test can stop and restart it without touching anyone else's Redis.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _arguments;
    private Process? _process;

    private RedisServer(int port, string[] arguments)
    {
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration for the worker.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts a server; extra redis-server arguments (requirepass...) may be given.</summary>
    public static async Task<RedisServer> StartAsync(params string[] arguments)
    {
        var server = new RedisServer(FreePort(), arguments);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts a server that speaks TLS only, with the certificate and key in <paramref name="tlsDirectory"/> (server.pem, server.key, ca.pem).</summary>
    public static async Task<RedisServer> StartTlsAsync(string tlsDirectory)
    {
        var port = FreePort();
        var server = new RedisServer(port,
        [
            "--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture),
            "--tls-cert-file", Path.Combine(tlsDirectory, "server.pem"), "--tls-key-file", Path.Combine(tlsDirectory, "server.key"),
            "--tls-ca-cert-file", Path.Combine(tlsDirectory, "ca.pem"), "--tls-auth-clients", "no",
        ]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server again on the same port (empty: nothing is persisted).</summary>
    public async Task RestartAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run scripts/lib/services.sh (pq_ensure_services) or apt-get install redis-server.");
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}.");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
