//go:build cgo && linux

package rsasign

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

// Prototypes of the few libcrypto functions used, so that no OpenSSL headers
// are needed to build; every one is in both OpenSSL 3 and 1.1.1 with these
// signatures. Keys, digests and contexts are opaque pointers here.
static void *crypto_lib;
static void *(*fn_d2i_AutoPrivateKey)(void **, const unsigned char **, long);
static void (*fn_EVP_PKEY_free)(void *);
static void *(*fn_EVP_MD_CTX_new)(void);
static void (*fn_EVP_MD_CTX_free)(void *);
static const void *(*fn_EVP_sha256)(void);
static int (*fn_EVP_DigestSignInit)(void *, void **, const void *, void *, void *);
static int (*fn_EVP_DigestSign)(void *, unsigned char *, size_t *, const unsigned char *, size_t);
static const char *(*fn_OpenSSL_version)(int);
static void (*fn_ERR_clear_error)(void);

#define LOAD(f) if ((*(void **)(&fn_##f) = dlsym(lib, #f)) == NULL) return 0

static int crypto_bind(void *lib) {
	LOAD(d2i_AutoPrivateKey);
	LOAD(EVP_PKEY_free);
	LOAD(EVP_MD_CTX_new);
	LOAD(EVP_MD_CTX_free);
	LOAD(EVP_sha256);
	LOAD(EVP_DigestSignInit);
	LOAD(EVP_DigestSign);
	LOAD(OpenSSL_version);
	LOAD(ERR_clear_error);
	return 1;
}

// crypto_open loads libcrypto once; it answers 1 when every function is bound.
static int crypto_open(void) {
	static const char *names[] = {"libcrypto.so.3", "libcrypto.so.1.1", NULL};
	for (int i = 0; names[i] != NULL; i++) {
		void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL) continue;
		if (crypto_bind(lib)) { crypto_lib = lib; return 1; }
		dlclose(lib);
	}
	return 0;
}

static const char *crypto_version(void) { return fn_OpenSSL_version(0); }

static void *crypto_load_key(const unsigned char *der, long len) {
	const unsigned char *p = der;
	void *key = fn_d2i_AutoPrivateKey(NULL, &p, len);
	if (key == NULL) fn_ERR_clear_error();
	return key;
}

static void crypto_free_key(void *key) { fn_EVP_PKEY_free(key); }

// crypto_sign: SHA-256 and PKCS #1 v1.5 (an RSA key's default padding).
static int crypto_sign(void *key, const unsigned char *msg, size_t msglen, unsigned char *sig, size_t *siglen) {
	void *ctx = fn_EVP_MD_CTX_new();
	if (ctx == NULL) { fn_ERR_clear_error(); return 0; }
	int ok = fn_EVP_DigestSignInit(ctx, NULL, fn_EVP_sha256(), NULL, key) == 1 &&
		fn_EVP_DigestSign(ctx, sig, siglen, msg, msglen) == 1;
	fn_EVP_MD_CTX_free(ctx);
	if (!ok) fn_ERR_clear_error();
	return ok;
}
*/
import "C"

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"runtime"
	"sync"
	"unsafe"
)

// libcryptoBuilt: this build can load libcrypto.
const libcryptoBuilt = true

var (
	openOnce sync.Once
	openErr  error
	version  string
)

func libOpen() error {
	openOnce.Do(func() {
		if C.crypto_open() != 1 {
			openErr = errors.New("no loadable libcrypto.so.3 or libcrypto.so.1.1")
			return
		}
		version = C.GoString(C.crypto_version())
	})
	return openErr
}

func libVersion() (string, error) {
	if err := libOpen(); err != nil {
		return "", err
	}
	return version, nil
}

// libKey is a private key held by libcrypto (an EVP_PKEY), freed when the
// Go value is collected.
type libKey struct {
	pkey unsafe.Pointer
}

func loadLibKey(priv *rsa.PrivateKey) (*libKey, error) {
	if err := libOpen(); err != nil {
		return nil, err
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	pkey := C.crypto_load_key((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	clear(der) // the key's secret parts: do not leave a copy for the collector
	if pkey == nil {
		return nil, errors.New("libcrypto did not read the key")
	}
	k := &libKey{pkey: pkey}
	runtime.AddCleanup(k, func(p unsafe.Pointer) { C.crypto_free_key(p) }, pkey)
	return k, nil
}

func (k *libKey) sign(msg []byte, size int) ([]byte, error) {
	sig := make([]byte, size)
	n := C.size_t(len(sig))
	var m *C.uchar
	if len(msg) > 0 {
		m = (*C.uchar)(unsafe.Pointer(&msg[0]))
	}
	ok := C.crypto_sign(k.pkey, m, C.size_t(len(msg)), (*C.uchar)(unsafe.Pointer(&sig[0])), &n)
	runtime.KeepAlive(k)
	if ok != 1 || int(n) != size {
		return nil, errors.New("libcrypto could not sign")
	}
	return sig, nil
}
