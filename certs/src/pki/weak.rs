//! A fixed 1024-bit RSA key for "RSA key under 2048 bits" cases.
//!
//! aws-lc (rcgen's and rustls' crypto) neither generates nor loads RSA keys under 2048 bits, so the
//! weak key cannot be made at run time. This one was made once with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`; it is public, so it is only ever
//! used for deliberately bad test material.

/// PKCS#8 private key.
pub(crate) const RSA1024_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAM6fsXVq62NIR0zN
bzBU5h7S3ry/YEAJRZGOfC/O0hiqG69HYB3tJTTAkdfobgGbkz+b0i99B8qhyFqU
CqTadnymD8JoUweBdwGXk2h/YgM7M6QEvsusoduTCZ9fDQgFhgEbqfmQj5n/QrDx
AjU0GbT9XzL4DvwFGe5wqdcPAPCjAgMBAAECgYB5lKgUIlTdt7MUszFA7EP4UTZ1
M9sL8yi3bHMQoo8nqjjeG46oLVmeP83RkNfiJEwxupukC9sg1a+R9NiKhm3+/PmD
s6444uZP9K8OIUvAOUoqGnrCMeQph/VXVYZTlXfNxqN1JZzYqyneanMjk5roPaNY
BtrDsAfynysIs8JBiQJBAPr6puxYvoH+V/oYQv1VgUdgf72cH1fuN2YVRBDC2VgC
hQzsxMUR6tGjUEMxtXeJIM9i9fDfAis0vASnKJzWzOcCQQDSweH+Ync/Wijf/6U0
IIhRh/VOaYILyD6POZMA7VXyIF7P5cnqLkQlU9kE9EYLDhZMCKr5MC9P78mjpmF5
XGrlAkArm3+DU0wOlB2/I5YIJGIo/7hSPp0njwlrIEjKTMCszQtHGqB5yUoukJyy
gCGSmm3r+rrW1jivPyNn/49L6PqDAkEAlqFr3FyTzfuqay5T7MWzqFH7yWcvQyyD
SepkXq1CWCM6oGwju/QFUIh0+017IjuXRBCN4jvGFOPUwdoQoKSk4QJBAPiFrXtf
QQuIJ01hG86+mglP71zVgdn34ufU99dFA3CexjtoeaOfjsixLwrCJ1WAHpgakXHH
EbDSZ51MXJYvS8w=
-----END PRIVATE KEY-----
";

/// The matching SubjectPublicKeyInfo.
pub(crate) const RSA1024_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDOn7F1autjSEdMzW8wVOYe0t68
v2BACUWRjnwvztIYqhuvR2Ad7SU0wJHX6G4Bm5M/m9IvfQfKochalAqk2nZ8pg/C
aFMHgXcBl5Nof2IDOzOkBL7LrKHbkwmfXw0IBYYBG6n5kI+Z/0Kw8QI1NBm0/V8y
+A78BRnucKnXDwDwowIDAQAB
-----END PUBLIC KEY-----
";
