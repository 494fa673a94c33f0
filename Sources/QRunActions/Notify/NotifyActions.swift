import QRunCore

/// The notification actions, for the integrator to register.
public enum NotifyActions {
    /// `notify.webhook`, `notify.pagerduty`, `notify.slack` and `notify.email`, sharing
    /// `transport` and the `pagerduty` / `email` provider settings.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        [
            NotifyWebhookAction(transport: transport, settings: settings),
            PagerDutyEventAction(transport: transport, settings: settings),
            SlackWebhookAction(transport: transport, settings: settings),
            EmailAction(settings: settings),
        ]
    }
}
