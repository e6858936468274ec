using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Scheduler.Cli.Contexts;

namespace Scheduler.Cli.Http;

/// <summary>An answer the CLI goes on with: a 2xx status, its JSON body (if any) and its ETag.</summary>
public sealed record ApiResult(int Status, JsonNode? Body, string? ETag);

/// <summary>
/// Calls the API's operations by id (<see cref="ApiContract"/>) with the context's key, and turns every status the document
/// lists into an answer or a <see cref="CliException"/> with a stable exit code and the problem details in plain words.
/// </summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>Every status the CLI handles; a test checks that it covers each status the document lists for every operation.</summary>
    public static readonly IReadOnlySet<int> Handled = new HashSet<int> { 200, 201, 202, 204, 400, 401, 403, 404, 409, 412, 413, 415, 429, 503 };

    private const int Tries = 4;
    private readonly HttpClient _http;
    private readonly ApiContract _contract;
    private readonly string? _keyVariable;

    public ApiClient(CliContext context, ApiContract? contract = null)
    {
        if (!Uri.TryCreate(context.Url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{context.Url}' is not an http(s) URL of a Scheduleman API");
        }
        _contract = contract ?? ApiContract.Embedded;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("scheduleman", typeof(ApiClient).Assembly.GetName().Version?.ToString(3)));
        // The audit trail records changes made here as coming from the CLI.
        _http.DefaultRequestHeaders.Add("Scheduleman-Source", "cli");
        if (context.Key.Length > 0)
        {
            _http.DefaultRequestHeaders.Add("X-Api-Key", context.Key);
        }
        Server = address;
        _keyVariable = context.KeyVariable;
    }

    public Uri Server { get; }

    /// <summary>Headers sent with every request from now on (an apply's revision and source).</summary>
    public void AddHeader(string name, string value) => _http.DefaultRequestHeaders.Add(name, value);

    public async Task<ApiResult> SendAsync(string operationId, IReadOnlyDictionary<string, string>? route = null,
        IEnumerable<KeyValuePair<string, string?>>? query = null, JsonNode? body = null, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var operation = _contract[operationId];
        var path = Path(operation, route, query);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(operation.Method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
            {
                throw new CliException(ExitCodes.Unreachable, $"cannot reach {Server}: {e.Message}");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Unreachable, $"{Server} did not answer within {_http.Timeout.TotalSeconds:0} s");
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                var json = ParseBody(text, response.Content.Headers.ContentType?.MediaType);
                if (status is >= 200 and < 300)
                {
                    return new ApiResult(status, json, response.Headers.ETag?.ToString());
                }
                // 429 is refused before any work; 503 is retried only where repeating the request cannot do it twice.
                var retry = status == 429 || (status == 503 && operation.Method != HttpMethod.Post);
                if (retry && attempt < Tries)
                {
                    await Task.Delay(RetryAfter(response, attempt), cancellationToken);
                    continue;
                }
                throw Failure(operation, status, json, text, _keyVariable);
            }
        }
    }

    /// <summary>Every item of a paged list, following <c>nextCursor</c>.</summary>
    public async IAsyncEnumerable<JsonObject> ListAllAsync(string operationId, IReadOnlyDictionary<string, string>? route = null,
        IEnumerable<KeyValuePair<string, string?>>? query = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var parameters = (query ?? []).Append(new("limit", "500")).Append(new("cursor", cursor));
            var page = (await SendAsync(operationId, route, parameters, cancellationToken: cancellationToken)).Body!;
            foreach (var item in page["items"]!.AsArray())
            {
                yield return item!.AsObject();
            }
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
    }

    private static string Path(ApiOperation operation, IReadOnlyDictionary<string, string>? route, IEnumerable<KeyValuePair<string, string?>>? query)
    {
        var path = operation.Template;
        foreach (var (name, value) in route ?? new Dictionary<string, string>())
        {
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }
        if (path.Contains('{', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{operation.Id}: no value for a parameter of {operation.Template}");
        }
        var pairs = (query ?? []).Where(q => q.Value is not null).Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value!)}").ToList();
        return pairs.Count == 0 ? path : path + "?" + string.Join('&', pairs);
    }

    private static JsonNode? ParseBody(string text, string? mediaType)
    {
        if (text.Length == 0 || mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response, int attempt) =>
        response.Headers.RetryAfter?.Delta is { } delta && delta <= TimeSpan.FromSeconds(10) ? delta : TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));

    private static CliException Failure(ApiOperation operation, int status, JsonNode? problem, string text, string? keyVariable)
    {
        var exitCode = status switch
        {
            400 or 413 or 415 => ExitCodes.Invalid,
            401 or 403 => ExitCodes.Denied,
            404 => ExitCodes.NotFound,
            409 or 412 => ExitCodes.Conflict,
            503 => ExitCodes.Unreachable,
            _ => ExitCodes.Error,
        };
        if (!operation.Statuses.Contains(status))
        {
            // The contract is what the CLI is written against: an answer outside it is reported as such.
            return new CliException(ExitCodes.Error, $"{operation.Id} answered {status} {(HttpStatusCode)status}, which the API's document does not list for it",
                [ValidationExcerpt(text)]);
        }
        var title = problem?["title"]?.GetValue<string>() ?? ((HttpStatusCode)status).ToString();
        var details = new List<string>();
        if (problem?["detail"]?.GetValue<string>() is { Length: > 0 } detail)
        {
            details.Add(detail);
        }
        foreach (var (field, messages) in problem?["errors"]?.AsObject() ?? [])
        {
            foreach (var message in messages?.AsArray() ?? [])
            {
                details.Add($"{field}: {message}");
            }
        }
        var hint = status switch
        {
            401 when keyVariable is not null => $" — the key from {keyVariable} was refused (it is used over any stored context's)",
            401 => " — the key is missing or wrong; run 'scheduleman login' again",
            403 => " — the key lacks the scope this needs",
            429 => " — too many requests; try again later",
            _ => "",
        };
        return new CliException(exitCode, $"{title.TrimEnd('.')} ({status}){hint}", details);
    }

    private static string ValidationExcerpt(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _http.Dispose();
}
