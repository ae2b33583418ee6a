namespace PromptQueue.Worker.Messaging;

/// <summary>Operator endpoints to see, pause and resume lanes. Serve them on an internal port only.</summary>
public static class LaneAdminEndpoints
{
    public static WebApplication MapLaneAdmin(this WebApplication app)
    {
        var lanes = app.MapGroup("/admin/lanes");
        lanes.MapGet("/", (LaneSwitchboard switchboard) => Results.Json(switchboard.Lanes.ToDictionary(
            l => l.Key,
            l => new { running = switchboard.IsRunning(l.Key), l.Value.ConcurrencyLimit, prefetch = l.Value.EffectivePrefetch, l.Value.BatchMaxSize, batchWindowMs = l.Value.BatchWindow.TotalMilliseconds })));
        lanes.MapPost("/{lane}/pause", async (string lane, LaneSwitchboard switchboard, CancellationToken ct) =>
            await switchboard.PauseAsync(lane, ct) ? Results.NoContent() : Results.NotFound());
        lanes.MapPost("/{lane}/resume", async (string lane, LaneSwitchboard switchboard, CancellationToken ct) =>
            await switchboard.ResumeAsync(lane, ct) ? Results.NoContent() : Results.NotFound());
        return app;
    }
}
