namespace PromptQueue.IntegrationTests.Infrastructure;

internal static class TestPaths
{
    /// <summary>A content root without appsettings files, so hosts see only the configuration a test gives them.</summary>
    public static string EmptyContentRoot()
    {
        var path = Path.Combine(Path.GetTempPath(), "promptqueue-tests-content-root");
        Directory.CreateDirectory(path);
        return path;
    }

    public static string RepositoryRoot() => TestSupport.RepositoryRoot.Find();

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
