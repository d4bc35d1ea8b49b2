package cfn

import (
	"fmt"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/s3"
)

// The bucket is one resource in CloudFormation and seven in the Pulumi
// program (pulumi-aws v6 splits its configuration into resources of their
// own): each of those folds into a property of the AWS::S3::Bucket.

func bucket(c *conv, in *inputs) (cloudformation.Resource, error) {
	// forceDestroy empties the bucket on `pulumi destroy`; CloudFormation
	// has no such switch (a stack delete fails on a non-empty bucket).
	in.ignore("forceDestroy")
	return &s3.Bucket{BucketName: name(in, "bucket"), Tags: c.tags}, nil
}

func bucketPolicy(c *conv, in *inputs) (cloudformation.Resource, error) {
	doc, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	return &s3.BucketPolicy{Bucket: in.str("bucket"), PolicyDocument: doc}, nil
}

func asBucket(parent cloudformation.Resource) (*s3.Bucket, error) {
	b, ok := parent.(*s3.Bucket)
	if !ok {
		return nil, fmt.Errorf("bucket: %T is not a bucket", parent)
	}
	return b, nil
}

func bucketVersioning(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	b.VersioningConfiguration = &s3.Bucket_VersioningConfiguration{Status: in.obj("versioningConfiguration").str("status")}
	return nil
}

func bucketEncryption(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	enc := &s3.Bucket_BucketEncryption{}
	for _, r := range in.list("rules") {
		rule := s3.Bucket_ServerSideEncryptionRule{BucketKeyEnabled: r.boolp("bucketKeyEnabled")}
		if d := r.obj("applyServerSideEncryptionByDefault"); len(d.m) > 0 {
			rule.ServerSideEncryptionByDefault = &s3.Bucket_ServerSideEncryptionByDefault{SSEAlgorithm: d.str("sseAlgorithm"), KMSMasterKeyID: d.strp("kmsMasterKeyId")}
		}
		enc.ServerSideEncryptionConfiguration = append(enc.ServerSideEncryptionConfiguration, rule)
	}
	b.BucketEncryption = enc
	return nil
}

func bucketPublicAccess(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	b.PublicAccessBlockConfiguration = &s3.Bucket_PublicAccessBlockConfiguration{
		BlockPublicAcls: in.boolp("blockPublicAcls"), BlockPublicPolicy: in.boolp("blockPublicPolicy"),
		IgnorePublicAcls: in.boolp("ignorePublicAcls"), RestrictPublicBuckets: in.boolp("restrictPublicBuckets"),
	}
	return nil
}

func bucketOwnership(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	b.OwnershipControls = &s3.Bucket_OwnershipControls{Rules: []s3.Bucket_OwnershipControlsRule{{ObjectOwnership: in.obj("rule").strp("objectOwnership")}}}
	return nil
}

func bucketNotification(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	if e := in.boolp("eventbridge"); e != nil && *e {
		b.NotificationConfiguration = &s3.Bucket_NotificationConfiguration{EventBridgeConfiguration: &s3.Bucket_EventBridgeConfiguration{EventBridgeEnabled: true}}
	}
	return nil
}

func bucketLifecycle(c *conv, in *inputs, parent cloudformation.Resource) error {
	b, err := asBucket(parent)
	if err != nil {
		return err
	}
	in.ignore("bucket")
	lc := &s3.Bucket_LifecycleConfiguration{}
	for _, r := range in.list("rules") {
		rule := s3.Bucket_Rule{Id: r.strp("id"), Status: r.str("status"), Prefix: r.obj("filter").strp("prefix")}
		for _, t := range r.list("transitions") {
			rule.Transitions = append(rule.Transitions, s3.Bucket_Transition{StorageClass: t.str("storageClass"), TransitionInDays: t.intp("days")})
		}
		if e := r.obj("expiration"); len(e.m) > 0 {
			rule.ExpirationInDays = e.intp("days")
			if m := e.boolp("expiredObjectDeleteMarker"); m != nil && *m {
				rule.ExpiredObjectDeleteMarker = m
			}
		}
		if n := r.obj("noncurrentVersionExpiration"); len(n.m) > 0 {
			rule.NoncurrentVersionExpiration = &s3.Bucket_NoncurrentVersionExpiration{NoncurrentDays: n.int("noncurrentDays"), NewerNoncurrentVersions: n.intp("newerNoncurrentVersions")}
		}
		if a := r.obj("abortIncompleteMultipartUpload"); len(a.m) > 0 {
			rule.AbortIncompleteMultipartUpload = &s3.Bucket_AbortIncompleteMultipartUpload{DaysAfterInitiation: a.int("daysAfterInitiation")}
		}
		lc.Rules = append(lc.Rules, rule)
	}
	b.LifecycleConfiguration = lc
	return nil
}
