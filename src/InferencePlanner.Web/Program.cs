using InferencePlanner.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddInferencePlanner();

var app = builder.Build();
app.UseInferencePlanner();
app.Run();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
