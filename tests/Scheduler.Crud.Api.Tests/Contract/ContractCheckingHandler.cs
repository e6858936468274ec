namespace Scheduler.Crud.Api.Tests.Contract;

/// <summary>Checks every answer a test client receives against the OpenAPI document; a violation fails the request that caused it.</summary>
public sealed class ContractCheckingHandler(Func<Task<OpenApiContract>> contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri is { } uri && uri.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
        {
            // Buffered, so the test reads the same body afterwards.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if ((await contract()).Violation(request.Method.Method, uri.AbsolutePath, (int)response.StatusCode,
                    response.Content.Headers.ContentType?.MediaType, body) is { } violation)
            {
                throw new ContractViolationException($"{violation}\n  body: {(body.Length > 500 ? body[..500] + "…" : body)}");
            }
        }
        return response;
    }
}

/// <summary>An API answer that the OpenAPI document does not allow.</summary>
public sealed class ContractViolationException(string message) : Exception(message);
