using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tally.Grpc.Server;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Tally.Grpc.Services.Health;

/// <summary>
/// The statuses <c>grpc.health.v1.Health</c> reports (a singleton). Which status a name has:
/// <list type="bullet">
/// <item>before the host has started and once it is stopping: NOT_SERVING for every known name;</item>
/// <item><c>""</c> (the whole server): SERVING while the readiness checks (the same ones as <c>/readyz</c>) pass,
/// NOT_SERVING otherwise; <see cref="SetStatus"/> with <c>""</c> can only take it down (e.g. to drain);</item>
/// <item>a name given to <see cref="SetStatus"/>: that status;</item>
/// <item>any other mapped gRPC service ("package.Service"): the status of <c>""</c>;</item>
/// <item>anything else is unknown (Check: NOT_FOUND; Watch: SERVICE_UNKNOWN).</item>
/// </list>
/// </summary>
public sealed partial class HealthStatusManager
{
    /// <summary>The name that stands for the whole server.</summary>
    public const string OverallService = "";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _set = new(StringComparer.Ordinal);
    private readonly List<Watcher> _watchers = [];
    private readonly GrpcServiceRegistry? _registry;
    private readonly ILogger _logger;
    private bool _started;
    private bool _stopping;
    private bool _ready;
    private ServingStatus _lastOverall = ServingStatus.NotServing;

    public HealthStatusManager(GrpcServiceRegistry? registry = null, ILogger<HealthStatusManager>? logger = null)
    {
        _registry = registry;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>True between the host's start and the moment it begins to stop.</summary>
    public bool IsServing
    {
        get
        {
            lock (_lock)
            {
                return _started && !_stopping;
            }
        }
    }

    /// <summary>
    /// Sets the status reported for <paramref name="service"/> (a full service name such as "tally.query.v1.QueryService",
    /// or <see cref="OverallService"/>). Ignored once the host is stopping: everything is NOT_SERVING then.
    /// </summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status is ServingStatus.ServiceUnknown)
        {
            throw new ArgumentException("SERVICE_UNKNOWN is what Watch reports for a name nobody set; use ClearStatus to forget a name.", nameof(status));
        }
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }
            _set[service] = status;
            NotifyLocked();
        }
    }

    /// <summary>Forgets a status set with <see cref="SetStatus"/>: the name falls back to its default (or becomes unknown).</summary>
    public bool ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_stopping || !_set.Remove(service))
            {
                return false;
            }
            NotifyLocked();
            return true;
        }
    }

    /// <summary>The status reported for <paramref name="service"/> now; null when the name is unknown.</summary>
    public ServingStatus? GetStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            return StatusLocked(service);
        }
    }

    /// <summary>Every known name with its status: "", each mapped service and each name set explicitly.</summary>
    public IReadOnlyDictionary<string, ServingStatus> GetAll()
    {
        lock (_lock)
        {
            var all = new SortedDictionary<string, ServingStatus>(StringComparer.Ordinal);
            foreach (var name in KnownNamesLocked())
            {
                all[name] = StatusLocked(name)!.Value;
            }
            return all;
        }
    }

    /// <summary>True when <paramref name="service"/> follows the readiness checks (it has no status of its own).</summary>
    internal bool FollowsReadiness(string service)
    {
        lock (_lock)
        {
            return !_set.ContainsKey(service) && (service.Length == 0 || IsMapped(service));
        }
    }

    internal void MarkStarted()
    {
        lock (_lock)
        {
            _started = true;
            NotifyLocked();
        }
    }

    internal void SetReadiness(bool ready, string? reason)
    {
        lock (_lock)
        {
            if (_ready == ready)
            {
                return;
            }
            _ready = ready;
            if (!ready && _started && !_stopping)
            {
                LogNotReady(_logger, reason ?? "a readiness check failed");
            }
            NotifyLocked();
        }
    }

    /// <summary>The host is stopping: every name reports NOT_SERVING from now on, and every Watch ends.</summary>
    internal void EnterTerminalState()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            NotifyLocked();
            foreach (var watcher in _watchers)
            {
                watcher.Updates.Writer.TryComplete();
            }
            _watchers.Clear();
        }
    }

    /// <summary>Starts watching a name: the first update is its current status (SERVICE_UNKNOWN when unknown).</summary>
    internal Watcher Watch(string service)
    {
        var watcher = new Watcher(this, service);
        lock (_lock)
        {
            var status = StatusLocked(service) ?? ServingStatus.ServiceUnknown;
            watcher.Last = status;
            watcher.Updates.Writer.TryWrite(status);
            if (_stopping)
            {
                watcher.Updates.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(watcher);
            }
        }
        return watcher;
    }

    private void Unwatch(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    private ServingStatus? StatusLocked(string service)
    {
        var isSet = _set.TryGetValue(service, out var set);
        if (service.Length > 0 && !isSet && !IsMapped(service))
        {
            return null;
        }
        if (!_started || _stopping)
        {
            return ServingStatus.NotServing;
        }
        if (service.Length == 0)
        {
            return isSet && set != ServingStatus.Serving ? set : _ready ? ServingStatus.Serving : ServingStatus.NotServing;
        }
        return isSet ? set : StatusLocked(OverallService);
    }

    private bool IsMapped(string service) => _registry is not null && _registry.TryGetService(service, out _);

    private IEnumerable<string> KnownNamesLocked()
    {
        yield return OverallService;
        if (_registry is not null)
        {
            foreach (var service in _registry.Services)
            {
                yield return service.Name;
            }
        }
        foreach (var name in _set.Keys)
        {
            yield return name;
        }
    }

    private void NotifyLocked()
    {
        foreach (var watcher in _watchers)
        {
            var status = StatusLocked(watcher.Service) ?? ServingStatus.ServiceUnknown;
            if (status != watcher.Last)
            {
                watcher.Last = status;
                watcher.Updates.Writer.TryWrite(status);
            }
        }
        var overall = StatusLocked(OverallService)!.Value;
        if (overall != _lastOverall)
        {
            _lastOverall = overall;
            LogOverall(_logger, overall);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "gRPC health: the server is now {Status}")]
    private static partial void LogOverall(ILogger logger, ServingStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gRPC health: not ready: {Reason}")]
    private static partial void LogNotReady(ILogger logger, string reason);

    /// <summary>One Watch call's subscription: holds only the newest status not yet sent.</summary>
    internal sealed class Watcher(HealthStatusManager owner, string service) : IDisposable
    {
        public string Service { get; } = service;

        public ServingStatus Last { get; set; }

        public Channel<ServingStatus> Updates { get; } = Channel.CreateBounded<ServingStatus>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false });

        public void Dispose() => owner.Unwatch(this);
    }
}
