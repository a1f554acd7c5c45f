// Package validate checks request bodies against the cognito-idp API model
// (model/cognito-idp.json, the botocore service model with its documentation
// stripped) and answers with AWS's own validation text, e.g.
//
//	1 validation error detected: Value 'x' at 'userPoolId' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+
//
// Driving validation from the model means every operation, implemented or not,
// gets the same required/length/pattern/enum/range checks the real service does.
package validate
