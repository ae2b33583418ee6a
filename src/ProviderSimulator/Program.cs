using PromptQueue.ProviderSimulator;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddSimulator();

var app = builder.Build();
app.MapSimulatorEndpoints();
app.Run();

/// <summary>Entry point, visible to tests that host the simulator in process.</summary>
public partial class Program;
