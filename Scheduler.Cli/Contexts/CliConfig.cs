using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Cli.Contexts;

/// <summary>A server and the key to use with it, under a name (<c>scheduleman login --context prod</c>).</summary>
public sealed record CliContext(string Url, string Key)
{
    /// <summary>The environment variable the key came from (<c>SCHEDULEMAN_API_KEY</c>), so that a refusal names it; null: the context's.</summary>
    [JsonIgnore]
    public string? KeyVariable { get; init; }
}

/// <summary>
/// The contexts <c>login</c> stored, in <c>$SCHEDULEMAN_CONFIG</c> or the user's config directory
/// (<c>~/.config/scheduleman/config.json</c>), readable by its owner only: it holds API keys.
/// </summary>
public sealed class CliConfig
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    [JsonPropertyName("current")]
    public string? Current { get; set; }

    [JsonPropertyName("contexts")]
    public SortedDictionary<string, CliContext> Contexts { get; init; } = new(StringComparer.Ordinal);

    public static string FilePath =>
        Environment.GetEnvironmentVariable("SCHEDULEMAN_CONFIG") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "scheduleman", "config.json");

    public static CliConfig Load()
    {
        if (!File.Exists(FilePath))
        {
            return new CliConfig();
        }
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(FilePath), Json) ?? new CliConfig();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Error, $"{FilePath} is not a scheduleman config file ({e.Message}); fix or delete it and log in again");
        }
    }

    public void Save()
    {
        var path = FilePath;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        // Written beside and moved into place: a crash never leaves half a file; created 600, so the keys are never readable by others.
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, Json);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The server and key a command uses: <c>SCHEDULEMAN_URL</c> and <c>SCHEDULEMAN_API_KEY</c> when set (CI), over the context
    /// named by <c>--context</c> or <c>SCHEDULEMAN_CONTEXT</c>, over the current one.
    /// </summary>
    public CliContext Resolve(string? contextName)
    {
        var named = contextName ?? (Environment.GetEnvironmentVariable("SCHEDULEMAN_CONTEXT") is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        var name = named ?? Current;
        CliContext? context = null;
        if (name is not null && !Contexts.TryGetValue(name, out context) && named is not null)
        {
            throw new CliException(ExitCodes.Usage, $"there is no context named '{name}'; 'scheduleman context list' shows them, 'scheduleman login' adds one");
        }
        var url = Environment.GetEnvironmentVariable("SCHEDULEMAN_URL") is { Length: > 0 } u ? u : context?.Url;
        var environmentKey = Environment.GetEnvironmentVariable("SCHEDULEMAN_API_KEY") is { Length: > 0 } k ? k : null;
        var key = environmentKey ?? context?.Key;
        if (url is null)
        {
            throw new CliException(ExitCodes.Usage, "no server: run 'scheduleman login --url URL --key KEY' or set SCHEDULEMAN_URL and SCHEDULEMAN_API_KEY");
        }
        return new CliContext(url, key ?? "") { KeyVariable = environmentKey is null ? null : "SCHEDULEMAN_API_KEY" };
    }
}
