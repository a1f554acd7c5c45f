package awsjson

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
)

// ContentType is the media type of every request and answer.
const ContentType = "application/x-amz-json-1.1"

// WriteJSON writes a 200 answer. A nil output is written as `{}`, never an
// empty body: several SDKs fail to parse an empty body.
func WriteJSON(w http.ResponseWriter, out any) {
	var body []byte
	if out == nil {
		body = []byte("{}")
	} else {
		b, err := json.Marshal(out)
		if err != nil {
			WriteError(w, apierr.New(apierr.InternalError, "Internal server error"))
			return
		}
		body = b
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// WriteError writes an error answer: the bare code in `__type` and in the
// X-Amzn-ErrorType header (some clients read one, some the other).
func WriteError(w http.ResponseWriter, e *apierr.Error) {
	body, _ := json.Marshal(errorBody{Type: string(e.Code), Message: e.Message})
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-ErrorType", string(e.Code))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Code.Status())
	_, _ = w.Write(body)
}

// Time is a timestamp that encodes as epoch seconds with a fraction, the way
// the AWS JSON protocols send DateType members.
type Time time.Time

// MarshalJSON writes epoch seconds with millisecond precision.
func (t Time) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	ms := tt.UnixMilli()
	secs := float64(ms) / 1000
	if math.Mod(float64(ms), 1000) == 0 {
		return []byte(strconv.FormatInt(ms/1000, 10) + ".0"), nil
	}
	return []byte(strconv.FormatFloat(secs, 'f', 3, 64)), nil
}

// UnmarshalJSON reads epoch seconds (for clients of cognitod's own tools).
func (t *Time) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*t = Time(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

// T converts a time for the wire; the zero time stays nil so it is omitted.
func T(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := Time(t)
	return &v
}
