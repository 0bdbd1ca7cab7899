using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Contracts;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Export;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Extensions;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InferencePlanner.Web.Api;

/// <summary>A problem answered before any work: its status, and the fields at fault with their reasons.</summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(int status, string title, IReadOnlyDictionary<string, string[]> errors)
        : base(title)
    {
        Status = status;
        Title = title;
        Errors = errors;
    }

    public ApiProblemException()
        : this("invalid request")
    {
    }

    public ApiProblemException(string message)
        : this(message, null!)
    {
    }

    public ApiProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Title = message;
        Errors = new Dictionary<string, string[]>();
    }

    public int Status { get; }
    public string Title { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>For 429 and 503: when to try again, seconds.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiProblemException Field(string field, string reason) =>
        new(StatusCodes.Status400BadRequest, "The request is not valid.", new Dictionary<string, string[]> { [field] = [reason] });
}

/// <summary>The scenario summary the scenario list answers with.</summary>
public sealed record ScenarioSummary(int Id, string Name, int Version, bool IsDemo, DateTimeOffset UpdatedAt);

/// <summary>A saved scenario: its identity, version (also its ETag) and document.</summary>
public sealed record SavedScenario(int Id, string Name, int Version, bool IsDemo, DateTimeOffset UpdatedAt, Scenario Scenario);

/// <summary>A calibration to queue: a zoo model and the batch sizes to measure.</summary>
public sealed record CalibrationRequest(string? Model, IReadOnlyList<int>? Batches);

/// <summary>A job's state: queued, running, succeeded (with its result), failed (with the reason) or cancelled.</summary>
public sealed record JobInfo(Guid Id, string Kind, string State, double Progress, string? Error, JsonElement? Result, DateTimeOffset? FinishedAt);

/// <summary>
/// The HTTP API of DESIGN.md: the same JSON documents as the command line. Every fault in the input is answered
/// 400 with problem+json whose <c>errors</c> name the field (a JSON path, or the query parameter); work beyond
/// the configured limits likewise; simulations and forecasts beyond the concurrent runs and their queue get 429
/// with <c>Retry-After</c>; a full calibration queue 503 with <c>Retry-After</c>.
/// </summary>
public static class ApiEndpoints
{
    /// <summary>The rate policy of model uploads.</summary>
    public const string UploadsPolicy = "uploads";

    /// <summary>The answers' JSON settings: the contracts' one set.</summary>
    private static JsonSerializerOptions Json => ContractJson.Options;

    public static IEndpointRouteBuilder MapPlannerApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api").AddEndpointFilter(ProblemFilter).WithTags("InferencePlanner");

        api.MapPost("/validate", ValidateAsync).WithName("Validate").WithSummary("Check a scenario; 200 when valid, 400 naming each field at fault.")
            .Accepts<Scenario>("application/json").Produces(StatusCodes.Status200OK).ProducesValidationProblem();
        api.MapPost("/simulate", SimulateAsync).WithName("Simulate").WithSummary("Run a scenario and answer the result JSON.")
            .Accepts<Scenario>("application/json").Produces<SimulationResult>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/forecast", ForecastAsync).WithName("Forecast").WithSummary("Forecast a scenario with growth month by month (format=json, csv or xlsx).")
            .Accepts<Scenario>("application/json").Produces<ForecastResult>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/catalog/devices", (CatalogService catalogs) => Results.Json(catalogs.Current.Devices, Json)).WithName("CatalogDevices").Produces<IReadOnlyList<Device>>();
        api.MapGet("/catalog/prices", (CatalogService catalogs) => Results.Json(catalogs.Current.Prices, Json)).WithName("CatalogPrices").Produces<IReadOnlyList<Price>>();
        api.MapGet("/catalog/regions", (CatalogService catalogs) => Results.Json(catalogs.Current.Regions, Json)).WithName("CatalogRegions").Produces<IReadOnlyList<Region>>();
        api.MapGet("/catalog/export", ExportData).WithName("CatalogExport")
            .WithSummary("The team's catalog (with its edits) and profiles (with those saved here) as a zip; unpacked, the CLI reads it with --data DIR.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");

        api.MapGet("/scenarios", ListScenariosAsync).WithName("ListScenarios").Produces<IReadOnlyList<ScenarioSummary>>();
        api.MapPost("/scenarios", CreateScenarioAsync).WithName("CreateScenario").Accepts<Scenario>("application/json")
            .Produces<SavedScenario>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/scenarios/{id:int}", GetScenarioAsync).WithName("GetScenario").Produces<SavedScenario>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/scenarios/{id:int}", UpdateScenarioAsync).WithName("UpdateScenario").WithSummary("Save a new version; If-Match must carry the version read (its ETag).")
            .Accepts<Scenario>("application/json").Produces<SavedScenario>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        api.MapDelete("/scenarios/{id:int}", DeleteScenarioAsync).WithName("DeleteScenario").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        api.MapPost("/calibrations", CalibrateAsync).WithName("Calibrate").WithSummary("Queue the calibration of a zoo model; poll the job it answers.")
            .Accepts<CalibrationRequest>("application/json").Produces<JobInfo>(StatusCodes.Status202Accepted).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/calibrations/upload", CalibrateUploadAsync).WithName("CalibrateUpload")
            .WithSummary("Queue the calibration of an .onnx file sent as the body (application/octet-stream) or as a multipart form's file; ?name=model.onnx&batches=1,2,4.")
            .Accepts<byte[]>("application/octet-stream", "multipart/form-data").Produces<JobInfo>(StatusCodes.Status202Accepted).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(UploadsPolicy);
        api.MapPost("/sweeps", StartSweepAsync).WithName("StartSweep")
            .WithSummary("Start a sweep (a base scenario and axes) on the cluster; poll GET /api/sweeps/{id} for progress and the rows so far.")
            .Accepts<Planning.Sweeps.SweepSpec>("application/json").Produces(StatusCodes.Status202Accepted).ProducesValidationProblem();
        api.MapGet("/sweeps/{id:guid}", GetSweepAsync).WithName("GetSweep").WithSummary("A sweep's state, progress and rows (the Pareto front marked once done).")
            .Produces<Cluster.SweepStatus>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/sweeps/{id:guid}", CancelSweepAsync).WithName("CancelSweep").Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/jobs/{id:guid}", GetJobAsync).WithName("GetJob").Produces<JobInfo>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/jobs/{id:guid}", CancelJobAsync).WithName("CancelJob").Produces<JobInfo>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Turns the API's own problems (and scenario errors) into problem+json; nothing else is caught here.</summary>
    private static async ValueTask<object?> ProblemFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ApiProblemException ex)
        {
            var problem = Problem(ex.Status, ex.Title, ex.Errors);
            return ex.RetryAfterSeconds is { } retry ? problem.WithHeaders(("Retry-After", retry.ToString(CultureInfo.InvariantCulture))) : problem;
        }
        catch (ScenarioException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "The scenario is not valid.", Group(ex.Errors));
        }
        catch (Cluster.ClusterUnavailableException ex)
        {
            // A silo just died or none is up: nothing is lost (the sweep's state is stored); ask again shortly.
            return Problem(StatusCodes.Status503ServiceUnavailable, "The cluster did not answer.", new Dictionary<string, string[]> { ["cluster"] = [ex.Message] })
                .WithHeaders(("Retry-After", "2"));
        }
    }

    internal static IResult Problem(int status, string title, IReadOnlyDictionary<string, string[]> errors)
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (errors.Count > 0)
        {
            extensions["errors"] = errors;
        }

        return Results.Problem(statusCode: status, title: title,
            detail: errors.Count == 0 ? null : string.Join("; ", errors.SelectMany(e => e.Value.Select(reason => $"{e.Key}: {reason}"))),
            extensions: extensions);
    }

    private static Dictionary<string, string[]> Group(IEnumerable<ScenarioError> errors) =>
        errors.GroupBy(e => e.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray(), StringComparer.Ordinal);

    /// <summary>The body as text, refused (413) beyond <paramref name="limit"/> bytes, whatever Content-Length says.</summary>
    internal static async Task<string> ReadBodyAsync(HttpRequest request, long limit)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1;
        }

        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw ApiProblemException.Field("$", "the body is not UTF-8 text");
        }
    }

    private static ApiProblemException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
            new Dictionary<string, string[]> { ["$"] = [$"the body is over this server's limit of {limit:N0} bytes (Api:MaxRequestBytes)"] });

    /// <summary>Reads, parses and validates the scenario in the body against the catalog (with the team's edits) and the data folder.</summary>
    private static async Task<Scenario> ReadScenarioAsync(HttpRequest request, ApiOptions limits, PlannerActions actions)
    {
        var scenario = ScenarioJson.Parse(await ReadBodyAsync(request, limits.MaxRequestBytes).ConfigureAwait(false));
        var errors = actions.Validate(scenario);
        if (errors.Count > 0)
        {
            throw new ScenarioException(errors);
        }

        return scenario;
    }

    /// <summary>Checks the sweep here (each problem named by its path, 400) and starts it on the cluster.</summary>
    private static async Task<IResult> StartSweepAsync(HttpRequest request, IOptions<ApiOptions> limits, CatalogService catalogs, ProfileStore profiles, Cluster.SweepService sweeps)
    {
        var json = await ReadBodyAsync(request, limits.Value.MaxRequestBytes).ConfigureAwait(false);
        var catalog = catalogs.Current;
        var variants = Planning.Sweeps.SweepDocument.Expand(Planning.Sweeps.SweepDocument.Parse(json), catalog, limits.Value.MaxSweepVariants);
        // The sweep computes with this catalog (the team's edits included) and these profiles on every silo.
        var (id, problem) = await sweeps.StartAsync(json, limits.Value.MaxSweepVariants, catalog, profiles.All).ConfigureAwait(false);
        if (problem is not null)
        {
            throw new ScenarioException("$", problem);
        }

        return Results.Json(new { id, variants = variants.Count, status = $"/api/sweeps/{id}" }, Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A sweep's state, variants and chunks done, and its rows so far: JSON, or the table as CSV or XLSX (<c>?format=</c>).</summary>
    private static async Task<IResult> GetSweepAsync(Guid id, string? format, Cluster.SweepService sweeps)
    {
        if (await sweeps.StatusAsync(id).ConfigureAwait(false) is not { } status)
        {
            return Problem(StatusCodes.Status404NotFound, "No such sweep.", new Dictionary<string, string[]> { ["id"] = [$"no sweep has the id {id}"] });
        }

        switch (format)
        {
            case null or "json":
                return Results.Text($$"""{"state":{{JsonSerializer.Serialize(status.State)}},"total":{{status.Total}},"done":{{status.Done}},"chunks":{{status.Chunks}},"chunksDone":{{status.ChunksDone}},"result":{{status.ResultJson}}}""", "application/json");
            case "csv":
            case "xlsx":
                var result = JsonSerializer.Deserialize<Planning.Sweeps.SweepResult>(status.ResultJson, Cluster.SweepJson.Options)!;
                if (format == "csv")
                {
                    return Results.File(System.Text.Encoding.UTF8.GetBytes(Planning.Sweeps.SweepRunner.Csv(result)), "text/csv", $"sweep-{id:N}.csv");
                }

                var stream = new MemoryStream();
                Planning.Sweeps.SweepRunner.Xlsx(result, stream);
                stream.Position = 0;
                return Results.File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"sweep-{id:N}.xlsx");
            default:
                return Problem(StatusCodes.Status400BadRequest, "Unknown format.", new Dictionary<string, string[]> { ["format"] = [$"'{format}' is not json, csv or xlsx"] });
        }
    }

    private static async Task<IResult> CancelSweepAsync(Guid id, Cluster.SweepService sweeps) =>
        await sweeps.CancelAsync(id).ConfigureAwait(false)
            ? Results.Json(new { id, state = "cancelled" }, Json, statusCode: StatusCodes.Status202Accepted)
            : Problem(StatusCodes.Status404NotFound, "No such sweep.", new Dictionary<string, string[]> { ["id"] = [$"no sweep has the id {id}"] });

    private static async Task<IResult> ValidateAsync(HttpRequest request, IOptions<ApiOptions> limits, PlannerActions actions)
    {
        await ReadScenarioAsync(request, limits.Value, actions).ConfigureAwait(false);
        return Results.Json(new { valid = true }, Json);
    }

    /// <summary>A whole-number query parameter, or a problem naming it (bound by hand so that the answer is problem+json).</summary>
    private static long? Whole(string? text, string name, long min, long max)
    {
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw ApiProblemException.Field(name, $"'{text}' is not a whole number");
        }

        return value < min || value > max ? throw ApiProblemException.Field(name, $"must be from {min:N0} to {max:N0}") : value;
    }

    private static IResult ExportData(CatalogService catalogs, ProfileStore profiles)
    {
        var zip = new MemoryStream();
        DataExport.Write(catalogs.Current, profiles.All, zip);
        zip.Position = 0;
        return Results.File(zip, "application/zip", "inferenceplanner-data.zip");
    }

    private static async Task<IResult> SimulateAsync(HttpRequest request, IOptions<ApiOptions> options, PlannerActions actions, ProfileStore profiles, RunGate gate,
        string? seed, string? replications, string? queries)
    {
        var limits = options.Value;
        var scenario = await ReadScenarioAsync(request, limits, actions).ConfigureAwait(false);
        var seedValue = Whole(seed, "seed", 0, long.MaxValue);
        var queriesValue = Whole(queries, "queries", 1, ScenarioLimits.MaxQueries);
        var count = (int)(Whole(replications, "replications", 1, SimulationRunner.MaxReplications) ?? 1);
        if (count < 1 || count > Math.Min(limits.MaxReplications, SimulationRunner.MaxReplications))
        {
            throw ApiProblemException.Field("replications", $"must be from 1 to {Math.Min(limits.MaxReplications, SimulationRunner.MaxReplications)} (Api:MaxReplications)");
        }

        var model = SimulationModel.Compile(scenario, actions.Catalog, Core.DataFolders.Find("scenarios"), profiles).With(seedValue, queriesValue);
        PlannerActions.CheckLimits(model, count, limits, queriesField: queriesValue is null ? "$.horizon.queries" : "queries");

        model = model.With(maxEvents: limits.MaxEvents);
        var result = await RunBoundedAsync(request, limits, gate, token => SimulationRunner.Run(model, new SimulationOptions { Replications = count }, token)).ConfigureAwait(false);
        return Results.Json(result, Json);
    }

    private static async Task<IResult> ForecastAsync(HttpRequest request, IOptions<ApiOptions> options, PlannerActions actions, ProfileStore profiles, RunGate gate, string? format)
    {
        var limits = options.Value;
        if (format is not (null or "json" or "csv" or "xlsx"))
        {
            throw ApiProblemException.Field("format", $"'{format}' is not json, csv or xlsx");
        }

        var scenario = await ReadScenarioAsync(request, limits, actions).ConfigureAwait(false);
        if (scenario.Growth?.Months is not { } months)
        {
            throw ApiProblemException.Field("$.growth", "a forecast needs growth with months");
        }

        if (months > limits.MaxForecastMonths)
        {
            throw ApiProblemException.Field("$.growth.months", $"{months} months is over this server's limit of {limits.MaxForecastMonths} (Api:MaxForecastMonths)");
        }

        var forecaster = new Forecaster(actions.Catalog, profiles);
        var baseDirectory = Core.DataFolders.Find("scenarios");
        var result = await RunBoundedAsync(request, limits, gate, token => forecaster.Forecast(scenario, new ForecastOptions(), baseDirectory, token)).ConfigureAwait(false);
        switch (format)
        {
            case "csv":
                return Results.Text(ForecastExport.ToCsv(result), "text/csv", Encoding.UTF8);
            case "xlsx":
                var workbook = new MemoryStream();
                ForecastExport.ToXlsx(result, workbook);
                return Results.File(workbook.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "forecast.xlsx");
            default:
                return Results.Json(result, Json);
        }
    }

    /// <summary>
    /// Runs the work off the request thread once it has a run slot (taken only now, after the body was read and checked,
    /// so a slow client never holds one), cancelled when the client goes away or the run passes Api:MaxRunSeconds.
    /// </summary>
    private static async Task<T> RunBoundedAsync<T>(HttpRequest request, ApiOptions limits, RunGate gate, Func<CancellationToken, T> work)
    {
        using var slot = await gate.EnterAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(limits.MaxRunSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, request.HttpContext.RequestAborted);
        var clock = Stopwatch.StartNew();
        try
        {
            return await Task.Run(() => work(linked.Token), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw ApiProblemException.Field("$.horizon",
                $"the run did not finish within this server's limit of {limits.MaxRunSeconds:N0} s (Api:MaxRunSeconds); shorten the horizon or use fewer replications");
        }
        finally
        {
            RunTimes.Record(clock.Elapsed.TotalSeconds);
        }
    }

    private static async Task<IResult> ListScenariosAsync(ScenarioStore store) =>
        Results.Json((await store.ListAsync().ConfigureAwait(false)).Select(s => new ScenarioSummary(s.Id, s.Name, s.Version, s.IsDemo, s.UpdatedAt)), Json);

    private static async Task<IResult> CreateScenarioAsync(HttpRequest request, IOptions<ApiOptions> limits, PlannerActions actions, ScenarioStore store)
    {
        var scenario = await ReadScenarioAsync(request, limits.Value, actions).ConfigureAwait(false);
        var record = await NameCheckedAsync(() => store.CreateAsync(scenario)).ConfigureAwait(false);
        return Results.Json(Saved(record, scenario), Json, statusCode: StatusCodes.Status201Created)
            .WithHeaders(("Location", $"/api/scenarios/{record.Id}"), ("ETag", ETag(record.Version)));
    }

    private static async Task<IResult> GetScenarioAsync(int id, ScenarioStore store)
    {
        var record = await store.GetAsync(id).ConfigureAwait(false) ?? throw NotFound(id);
        return Results.Json(Saved(record, ScenarioJson.Parse(record.Json)), Json).WithHeaders(("ETag", ETag(record.Version)));
    }

    private static async Task<IResult> UpdateScenarioAsync(int id, HttpRequest request, IOptions<ApiOptions> limits, PlannerActions actions, ScenarioStore store)
    {
        var current = await store.GetAsync(id).ConfigureAwait(false) ?? throw NotFound(id);
        var basedOn = request.Headers.IfMatch.ToString().Trim() == "*" ? current.Version : IfMatchVersion(request) ?? throw new ApiProblemException(StatusCodes.Status428PreconditionRequired, "If-Match is required.",
            new Dictionary<string, string[]> { ["If-Match"] = [$"send the version you read as If-Match (the ETag of GET /api/scenarios/{id}, now {ETag(current.Version)}), so that nobody's save is overwritten unseen"] });
        var scenario = await ReadScenarioAsync(request, limits.Value, actions).ConfigureAwait(false);
        try
        {
            var record = await NameCheckedAsync(() => store.SaveAsync(id, scenario, basedOn)).ConfigureAwait(false);
            return Results.Json(Saved(record, scenario), Json).WithHeaders(("ETag", ETag(record.Version)));
        }
        catch (ScenarioConflictException ex)
        {
            throw new ApiProblemException(StatusCodes.Status412PreconditionFailed, "The scenario was saved by someone else since.",
                new Dictionary<string, string[]> { ["If-Match"] = [ex.Message] });
        }
        catch (KeyNotFoundException)
        {
            throw NotFound(id); // deleted meanwhile
        }
    }

    private static async Task<IResult> DeleteScenarioAsync(int id, HttpRequest request, ScenarioStore store)
    {
        var current = await store.GetAsync(id).ConfigureAwait(false) ?? throw NotFound(id);
        if (IfMatchVersion(request) is { } version && version != current.Version)
        {
            throw new ApiProblemException(StatusCodes.Status412PreconditionFailed, "The scenario was saved by someone else since.",
                new Dictionary<string, string[]> { ["If-Match"] = [$"'{current.Name}' is at version {current.Version}, not {version}"] });
        }

        await store.DeleteAsync(id).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> CalibrateAsync(HttpRequest request, IOptions<ApiOptions> limits, PlannerActions actions)
    {
        CalibrationRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<CalibrationRequest>(await ReadBodyAsync(request, limits.Value.MaxRequestBytes).ConfigureAwait(false), Json);
        }
        catch (JsonException ex)
        {
            throw ApiProblemException.Field(ex.Path ?? "$", "is not valid JSON for a calibration request: { \"model\": \"mlp\", \"batches\": [1, 2, 4, 8] }");
        }

        if (body?.Model is not { Length: > 0 } model || !InferencePlanner.Calibration.Models.ModelZoo.Names.Contains(model, StringComparer.Ordinal))
        {
            throw ApiProblemException.Field("$.model", $"'{body?.Model}' is not a zoo model: one of {string.Join(", ", InferencePlanner.Calibration.Models.ModelZoo.Names)} (upload an .onnx to /api/calibrations/upload)");
        }

        var batches = CheckBatches(body.Batches ?? [1, 2, 4, 8], "$.batches");
        return Accepted(await actions.CalibrateAsync(model, batches).ConfigureAwait(false), "calibrate");
    }

    private static async Task<IResult> CalibrateUploadAsync(HttpRequest request, IOptions<ApiOptions> limits, PlannerActions actions, PlannerStorage storage,
        WorkQueueService queue, string? name, string? batches)
    {
        var sizes = CheckBatches(ParseBatches(batches ?? "1,2,4,8"), "batches");
        if (!queue.HasRoom)
        {
            return QueueFull(); // before a byte of the model is read
        }

        var limit = limits.Value.MaxUploadBytes;
        if (request.ContentLength > limit)
        {
            throw UploadTooLarge(limit);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1;
        }

        // The file as the whole body, or as the first file of a multipart form (curl -F model=@my.onnx).
        var body = request.Body;
        string? formName = null;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = limit, ValueLengthLimit = 4096, ValueCountLimit = 16 })
                    .ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidDataException ex) when (ex.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
            {
                throw UploadTooLarge(limit);
            }
            catch (InvalidDataException ex)
            {
                throw ApiProblemException.Field("$", $"the form cannot be read: {ex.Message}");
            }

            var file = form.Files.Count > 0 ? form.Files[0]
                : throw ApiProblemException.Field("$", "the form carries no file: send the model as a file field, e.g. curl -F model=@my.onnx");
            body = file.OpenReadStream();
            formName = file.FileName;
        }

        var fileName = Path.GetFileName(string.IsNullOrWhiteSpace(name) ? formName ?? "model.onnx" : name);
        if (!fileName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiProblemException.Field("name", $"'{fileName}' is not a .onnx file name");
        }

        // A folder of its own, named by the server: nothing in the request names a path.
        var safe = string.Concat(Path.GetFileNameWithoutExtension(fileName).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
        var folder = storage.NewUploadFolder();
        var path = Path.Combine(folder, (safe.Length == 0 ? "model" : safe) + ".onnx");
        Guid? id = null;
        try
        {
            long written = 0;
            await using (var target = File.Create(path))
            {
                var chunk = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    written += read;
                    if (written > limit)
                    {
                        throw UploadTooLarge(limit);
                    }

                    await target.WriteAsync(chunk.AsMemory(0, read), request.HttpContext.RequestAborted).ConfigureAwait(false);
                }
            }

            if (written == 0)
            {
                throw ApiProblemException.Field("$", "the body is empty: send the .onnx file's bytes");
            }

            id = await actions.CalibrateFileAsync(path, fileName, sizes).ConfigureAwait(false);
            return Accepted(id, "calibrate");
        }
        finally
        {
            if (id is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static ApiProblemException UploadTooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "The model is too large.",
            new Dictionary<string, string[]> { ["$"] = [$"the upload is over this server's limit of {limit:N0} bytes (Api:MaxUploadBytes)"] });

    private static List<int> ParseBatches(string text)
    {
        var batches = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b))
            {
                throw ApiProblemException.Field("batches", $"'{part}' is not a whole number");
            }

            batches.Add(b);
        }

        return batches;
    }

    private static List<int> CheckBatches(IReadOnlyList<int> batches, string field)
    {
        if (batches.Count is 0 or > 16 || batches.Any(b => b is < 1 or > 256))
        {
            throw ApiProblemException.Field(field, "give 1 to 16 batch sizes, each from 1 to 256");
        }

        return [.. batches.Distinct().Order()];
    }

    private static HeaderResult QueueFull() =>
        Problem(StatusCodes.Status503ServiceUnavailable, "The work queue is full.",
            new Dictionary<string, string[]> { ["$"] = [$"{WorkQueueService.Capacity} jobs are waiting; try again shortly"] }).WithHeaders(("Retry-After", "10"));

    private static HeaderResult Accepted(Guid? id, string kind)
    {
        if (id is not { } job)
        {
            return QueueFull();
        }

        return Results.Json(new JobInfo(job, kind, nameof(JobState.Queued), 0, null, null, null), Json, statusCode: StatusCodes.Status202Accepted)
            .WithHeaders(("Location", $"/api/jobs/{job}"));
    }

    private static async Task<IResult> GetJobAsync(Guid id, WorkQueueService queue, IDbContextFactory<PlannerDb> factory)
    {
        // Finished jobs are read from the database (they outlive the process); live ones from the queue.
        await using var db = await factory.CreateDbContextAsync().ConfigureAwait(false);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, "No such job.", new Dictionary<string, string[]> { ["id"] = [$"{id} is not a job of this server"] });
        var live = queue.Status(id);
        var state = live is { State: JobState.Queued or JobState.Running } ? live.State.ToString() : run.Status;
        JsonElement? result = run.ResultJson is { } json ? JsonSerializer.Deserialize<JsonElement>(json) : null;
        return Results.Json(new JobInfo(id, run.Kind, state, live?.Progress ?? (run.Status == nameof(JobState.Succeeded) ? 1 : 0), run.Error, result, run.FinishedAt), Json);
    }

    private static async Task<IResult> CancelJobAsync(Guid id, WorkQueueService queue, IDbContextFactory<PlannerDb> factory)
    {
        queue.Cancel(id);
        var answer = await GetJobAsync(id, queue, factory).ConfigureAwait(false);
        return answer is IStatusCodeHttpResult { StatusCode: 200 } ? Results.Accepted($"/api/jobs/{id}", ((IValueHttpResult)answer).Value) : answer;
    }

    private static async Task<ScenarioRecord> NameCheckedAsync(Func<Task<ScenarioRecord>> save)
    {
        try
        {
            return await save().ConfigureAwait(false);
        }
        catch (ScenarioNameTakenException ex)
        {
            throw new ApiProblemException(StatusCodes.Status409Conflict, "The name is taken.", new Dictionary<string, string[]> { ["$.name"] = [ex.Message] });
        }
    }

    private static SavedScenario Saved(ScenarioRecord record, Scenario scenario) =>
        new(record.Id, record.Name, record.Version, record.IsDemo, record.UpdatedAt, scenario);

    private static string ETag(int version) => $"\"v{version.ToString(CultureInfo.InvariantCulture)}\"";

    private static int? IfMatchVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return null;
        }

        if (header == "*")
        {
            return null; // any version: the caller takes the last-writer risk knowingly
        }

        var text = (header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header).Trim('"').TrimStart('v');
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw ApiProblemException.Field("If-Match", $"'{header}' is not a version ETag like \"v3\"");
    }

    private static ApiProblemException NotFound(int id) =>
        new(StatusCodes.Status404NotFound, "No such scenario.", new Dictionary<string, string[]> { ["id"] = [$"{id} is not a saved scenario"] });

    private static HeaderResult WithHeaders(this IResult result, params (string Name, string Value)[] headers) => new(result, headers);

    private sealed class HeaderResult(IResult inner, (string Name, string Value)[] headers) : IResult, IStatusCodeHttpResult, IValueHttpResult
    {
        public int? StatusCode => (inner as IStatusCodeHttpResult)?.StatusCode;

        public object? Value => (inner as IValueHttpResult)?.Value;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            foreach (var (name, value) in headers)
            {
                httpContext.Response.Headers[name] = value;
            }

            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>A moving average of run times, for the Retry-After of a refused request.</summary>
public static class RunTimes
{
    private static double _average = 1;

    public static double AverageSeconds => Volatile.Read(ref _average);

    public static void Record(double seconds)
    {
        double current, next;
        do
        {
            current = Volatile.Read(ref _average);
            next = (0.8 * current) + (0.2 * seconds);
        }
        while (Interlocked.CompareExchange(ref _average, next, current) != current);
    }
}
