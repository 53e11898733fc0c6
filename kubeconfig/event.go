package kubeconfig

import "time"

// EventType names a step of ForServiceAccount.
type EventType string

// The steps ForServiceAccount reports through ServiceAccountOptions.OnEvent.
const (
	EventServiceAccountFound   EventType = "ServiceAccountFound"
	EventServiceAccountCreated EventType = "ServiceAccountCreated"
	EventRoleCreated           EventType = "RoleCreated"
	EventRoleUpdated           EventType = "RoleUpdated"
	EventRoleUnchanged         EventType = "RoleUnchanged"
	EventBindingCreated        EventType = "BindingCreated"
	EventBindingUpdated        EventType = "BindingUpdated"
	EventBindingUnchanged      EventType = "BindingUnchanged"
	EventTokenSecretCreated    EventType = "TokenSecretCreated"
	EventTokenSecretFilled     EventType = "TokenSecretFilled"
	EventTokenIssued           EventType = "TokenIssued"
	// EventTokenShortened: the API server issued a shorter token than asked
	// (its --service-account-max-token-expiration); Message says how long.
	EventTokenShortened EventType = "TokenShortened"
	// EventCertificateAuthority says where the CA came from.
	EventCertificateAuthority EventType = "CertificateAuthority"
	// EventWarning reports something the caller should know that did not stop
	// the call, e.g. no CA found, so the system trust store will be used.
	EventWarning  EventType = "Warning"
	EventVerified EventType = "Verified"
)

// Event is one step of ForServiceAccount. It never holds a token.
type Event struct {
	Type EventType
	// Kind, Namespace and Name identify the object the step acted on, when
	// there is one ("ServiceAccount", "RoleBinding", "Secret", ...).
	Kind      string
	Namespace string
	Name      string
	// Message is a human-readable line about the step.
	Message string
	Time    time.Time
}
