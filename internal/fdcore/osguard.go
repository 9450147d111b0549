package fdcore

// Every posixkit package depends on fdcore, so this import ends a build for
// an unsupported system with osguard's one error.
import _ "github.com/posixkit/posixkit/internal/osguard"
