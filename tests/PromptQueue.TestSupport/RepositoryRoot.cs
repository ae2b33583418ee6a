namespace PromptQueue.TestSupport;

/// <summary>The checkout a test runs from: the folder above the test output that holds PromptQueue.slnx.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PromptQueue.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PromptQueue.slnx not found above the test output.");
    }
}
