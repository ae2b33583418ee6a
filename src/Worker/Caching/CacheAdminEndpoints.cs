using PromptQueue.Worker.Coalescing;

namespace PromptQueue.Worker.Caching;

/// <summary>Operator endpoint to invalidate cached answers by tag (on every replica). Serve it on an internal port only.</summary>
public static class CacheAdminEndpoints
{
    public static WebApplication MapCacheAdmin(this WebApplication app)
    {
        app.MapPost("/admin/cache/invalidate", async (string tenant, string tag, ResponseCache cache, ReuseClassifier reuse) =>
        {
            if (string.IsNullOrWhiteSpace(tenant) || string.IsNullOrWhiteSpace(tag))
            {
                return Results.BadRequest(new { error = "tenant and tag are required" });
            }

            try
            {
                var removed = await cache.InvalidateTagAsync(reuse.Owner(tenant), tag);
                return Results.Ok(new { removed });
            }
            catch (InvalidOperationException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        return app;
    }
}
