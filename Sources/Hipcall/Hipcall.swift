/// Hipcall REST API v3 client.
enum HipcallNamespace {}
