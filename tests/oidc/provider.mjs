// The certified OpenID Connect provider (panva/node-oidc-provider) for sipbot's tests, as its
// own process. Usage: node provider.mjs CONFIG_JSON (the same config as provider.py).
// Prints "READY <issuer>" once it listens on a free port of 127.0.0.1; stops when stdin ends.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const byLogin = config.users;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    // The dev login page takes any login; the account is the test user's claims.
    async findAccount(ctx, id) {
      const user = byLogin[id];
      if (!user) return undefined;
      return { accountId: id, async claims() { return { ...user.claims, sub: user.claims.sub } } };
    },
    claims: { openid: ['sub'], profile: ['name', 'hsa_id', 'personal_identity_number'] },
    conformIdTokenClaims: false, // the profile claims in the ID token, as the region's IdP does
    ttl: { IdToken: config.id_token_ttl },
  });
  server.on('request', provider.callback());
  console.log(`READY ${issuer}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
