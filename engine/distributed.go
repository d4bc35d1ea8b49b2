package engine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
)

// readerSpec is a planned ItemReader.
type readerSpec struct {
	resource   string
	params     tmpl
	inputType  string
	headerLoc  string
	headers    []string
	delimiter  rune
	manifest   string
	maxItems   intField
	transform  string
	jsonataArg bool
}

func planReader(r *asl.ItemReader, isJSONata bool) (*readerSpec, error) {
	rs := &readerSpec{resource: r.Resource, delimiter: ',', jsonataArg: isJSONata}
	var err error
	if isJSONata {
		rs.params, err = compileJSONataValue(r.Arguments, "ItemReader/Arguments")
	} else {
		rs.params, err = compilePayload(r.Parameters)
	}
	if err != nil {
		return nil, err
	}
	if c := r.ReaderConfig; c != nil {
		rs.inputType = strings.ToUpper(c.InputType)
		rs.headerLoc = c.CSVHeaderLocation
		rs.headers = c.CSVHeaders
		rs.manifest = c.ManifestType
		rs.transform = c.Transformation
		switch strings.ToUpper(c.CSVDelimiter) {
		case "PIPE":
			rs.delimiter = '|'
		case "SEMICOLON":
			rs.delimiter = ';'
		case "SPACE":
			rs.delimiter = ' '
		case "TAB":
			rs.delimiter = '\t'
		}
		if rs.maxItems, err = planIntField("MaxItems", c.MaxItems, c.MaxItemsPath); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// batcherSpec is a planned ItemBatcher.
type batcherSpec struct {
	maxItems   intField
	maxBytes   intField
	batchInput tmpl
}

func planBatcher(b *asl.ItemBatcher, isJSONata bool) (*batcherSpec, error) {
	bs := &batcherSpec{}
	var err error
	if bs.maxItems, err = planIntField("MaxItemsPerBatch", b.MaxItemsPerBatch, b.MaxItemsPerBatchPath); err != nil {
		return nil, err
	}
	if bs.maxBytes, err = planIntField("MaxInputBytesPerBatch", b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath); err != nil {
		return nil, err
	}
	if isJSONata {
		bs.batchInput, err = compileJSONataValue(b.BatchInput, "ItemBatcher/BatchInput")
	} else {
		bs.batchInput, err = compilePayload(b.BatchInput)
	}
	return bs, err
}

// writerSpec is a planned ResultWriter.
type writerSpec struct {
	params    tmpl
	outType   string
	transform string
}

func planWriter(w *asl.ResultWriter, isJSONata bool) (*writerSpec, error) {
	ws := &writerSpec{}
	var err error
	if isJSONata {
		ws.params, err = compileJSONataValue(w.Arguments, "ResultWriter/Arguments")
	} else {
		ws.params, err = compilePayload(w.Parameters)
	}
	if c := w.WriterConfig; c != nil {
		ws.outType, ws.transform = c.OutputType, c.Transformation
	}
	return ws, err
}

func readerFailed(format string, args ...any) *StateError {
	return runtimeErr(asl.StatesItemReaderFailed, "ItemReader", format, args...)
}

// bucketKey reads Bucket and Key/Prefix from evaluated parameters.
func bucketKey(v any) (bucket, key, prefix string) {
	m, _ := v.(map[string]any)
	bucket, _ = m["Bucket"].(string)
	key, _ = m["Key"].(string)
	prefix, _ = m["Prefix"].(string)
	return
}

// readItems reads a Distributed Map's items through the ObjectStore.
func (t *thread) readItems(ev *evalEnv, r *readerSpec, eff any) ([]any, error) {
	store := t.x.eng.opts.store
	if store == nil {
		return nil, readerFailed("no object store is configured for ItemReader %s", r.resource)
	}
	var params any = map[string]any{}
	if r.params != nil {
		var err error
		if params, err = r.params.eval(ev, eff); err != nil {
			return nil, err
		}
	}
	bucket, key, prefix := bucketKey(params)
	var items []any
	var err error
	switch {
	case strings.HasSuffix(r.resource, ":s3:listObjectsV2") && r.inputType == "":
		items, err = t.listItems(bucket, prefix)
		if err == nil && r.transform == "LOAD_AND_FLATTEN" {
			var all []any
			for _, it := range items {
				k := it.(map[string]any)["Key"].(string)
				sub, err := t.readObject(r, bucket, k)
				if err != nil {
					return nil, err
				}
				all = append(all, sub...)
			}
			items = all
		}
	case r.inputType == "MANIFEST":
		items, err = t.readManifest(r, bucket, key)
	default:
		items, err = t.readObject(r, bucket, key)
	}
	if err != nil {
		return nil, err
	}
	if r.maxItems.set {
		maxItems, _, err := ev.numberOf(&r.maxItems, eff)
		if err != nil {
			return nil, err
		}
		if maxItems > 0 && int(maxItems) < len(items) {
			items = items[:int(maxItems)]
		}
	}
	return items, nil
}

func (t *thread) listItems(bucket, prefix string) ([]any, error) {
	objs, err := t.x.eng.opts.store.ListObjects(t.ctx, bucket, prefix)
	if err != nil {
		return nil, readerFailed("%s", err.Error())
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		sc := o.StorageClass
		if sc == "" {
			sc = "STANDARD"
		}
		items = append(items, map[string]any{
			"Key":          o.Key,
			"Size":         intValue(o.Size),
			"Etag":         o.ETag,
			"LastModified": o.LastModified.UTC().Format(timeFormat),
			"StorageClass": sc,
		})
	}
	return items, nil
}

func (t *thread) readObject(r *readerSpec, bucket, key string) ([]any, error) {
	body, err := t.x.eng.opts.store.GetObject(t.ctx, bucket, key)
	if err != nil {
		return nil, readerFailed("%s", err.Error())
	}
	return parseItems(r, body)
}

// parseItems decodes an object's content by InputType.
func parseItems(r *readerSpec, body []byte) ([]any, error) {
	switch r.inputType {
	case "PARQUET":
		return nil, readerFailed("the local engine cannot read PARQUET objects")
	case "CSV":
		return parseCSV(r, bytes.NewReader(body))
	case "JSONL":
		var items []any
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			v, err := decodeJSON([]byte(line))
			if err != nil {
				return nil, readerFailed("Attempting to map a JSONL line to a JSON object failed: %s", err.Error())
			}
			items = append(items, v)
		}
		return items, sc.Err()
	default:
		v, err := decodeJSON(body)
		if err != nil {
			return nil, readerFailed("Attempting to map a file to a JSON array failed: %s", err.Error())
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, readerFailed("Attempting to map a file to a JSON array failed: the content is a JSON %s", jsonType(v))
		}
		return arr, nil
	}
}

func parseCSV(r *readerSpec, in io.Reader) ([]any, error) {
	cr := csv.NewReader(in)
	cr.Comma = r.delimiter
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, readerFailed("CSV file could not be parsed: %s", err.Error())
	}
	headers := r.headers
	if r.headerLoc != "GIVEN" {
		if len(rows) == 0 {
			return []any{}, nil
		}
		headers, rows = rows[0], rows[1:]
	}
	items := make([]any, 0, len(rows))
	for _, row := range rows {
		item := make(map[string]any, len(headers))
		for i, h := range headers {
			if i < len(row) {
				item[h] = row[i]
			} else {
				item[h] = ""
			}
		}
		items = append(items, item)
	}
	return items, nil
}

// readManifest reads an S3 Inventory manifest and the CSV files it lists.
func (t *thread) readManifest(r *readerSpec, bucket, key string) ([]any, error) {
	store := t.x.eng.opts.store
	body, err := store.GetObject(t.ctx, bucket, key)
	if err != nil {
		return nil, readerFailed("%s", err.Error())
	}
	var man struct {
		DestinationBucket string `json:"destinationBucket"`
		FileSchema        string `json:"fileSchema"`
		Files             []struct {
			Key string `json:"key"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &man); err != nil {
		return nil, readerFailed("the manifest could not be parsed: %s", err.Error())
	}
	cols := strings.Split(man.FileSchema, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	dest := strings.TrimPrefix(man.DestinationBucket, "arn:aws:s3:::")
	if dest == "" {
		dest = bucket
	}
	var items []any
	for _, f := range man.Files {
		data, err := store.GetObject(t.ctx, dest, f.Key)
		if err != nil {
			return nil, readerFailed("%s", err.Error())
		}
		if strings.HasSuffix(f.Key, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, readerFailed("%s", err.Error())
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil, readerFailed("%s", err.Error())
			}
		}
		sub, err := parseCSV(&readerSpec{headers: cols, headerLoc: "GIVEN", delimiter: ','}, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		items = append(items, sub...)
	}
	return items, nil
}

// batchItems groups items as ItemBatcher asks: {"BatchInput": ..., "Items": [...]}.
func (t *thread) batchItems(ev *evalEnv, b *batcherSpec, items []any, eff any) ([]any, error) {
	maxItems, _, err := ev.numberOf(&b.maxItems, eff)
	if err != nil {
		return nil, err
	}
	maxBytes, _, err := ev.numberOf(&b.maxBytes, eff)
	if err != nil {
		return nil, err
	}
	var batchInput any
	hasInput := false
	if b.batchInput != nil {
		if batchInput, err = b.batchInput.eval(ev, eff); err != nil {
			return nil, err
		}
		hasInput = true
	}
	var batches []any
	var cur []any
	size := 0
	flush := func() {
		if len(cur) == 0 {
			return
		}
		batch := map[string]any{"Items": cur}
		if hasInput {
			batch["BatchInput"] = batchInput
		}
		batches = append(batches, batch)
		cur, size = nil, 0
	}
	for _, it := range items {
		sz := len(compact(it))
		if (maxItems > 0 && len(cur) >= int(maxItems)) || (maxBytes > 0 && size+sz > int(maxBytes) && len(cur) > 0) {
			flush()
		}
		cur = append(cur, it)
		size += sz
	}
	flush()
	if batches == nil {
		batches = []any{}
	}
	return batches, nil
}

// writeResults writes a Distributed Map's results through the ObjectStore
// and returns the ResultWriterDetails output.
func (t *thread) writeResults(ev *evalEnv, w *writerSpec, results []any, eff any) (any, error) {
	store := t.x.eng.opts.store
	var params any = map[string]any{}
	if w.params != nil {
		var err error
		if params, err = w.params.eval(ev, eff); err != nil {
			return nil, err
		}
	}
	bucket, _, prefix := bucketKey(params)
	runID := newUUID()
	mapRunARN := fmt.Sprintf("%s/%s:%s", strings.Replace(t.x.smARN, ":stateMachine:", ":mapRun:", 1), ev.n.name, runID)
	if store == nil || bucket == "" {
		if w.transform != "" && w.transform != "NONE" {
			return transformResults(w.transform, results), nil
		}
		return nil, runtimeErr(asl.StatesResultWriterFailed, "ResultWriter", "no object store is configured for ResultWriter")
	}
	base := path.Join(prefix, runID)
	var entries []any
	for i, r := range results {
		entries = append(entries, map[string]any{
			"ExecutionArn": fmt.Sprintf("%s:%d", t.x.arn, i),
			"Input":        "",
			"Output":       compact(r),
			"Status":       "SUCCEEDED",
		})
	}
	if entries == nil {
		entries = []any{}
	}
	resKey := path.Join(base, "SUCCEEDED_0.json")
	if err := store.PutObject(t.ctx, bucket, resKey, []byte(compact(entries))); err != nil {
		return nil, runtimeErr(asl.StatesResultWriterFailed, "ResultWriter", "%s", err.Error())
	}
	manKey := path.Join(base, "manifest.json")
	manifest := map[string]any{
		"DestinationBucket": bucket,
		"MapRunArn":         mapRunARN,
		"ResultFiles": map[string]any{
			"FAILED":    []any{},
			"PENDING":   []any{},
			"SUCCEEDED": []any{map[string]any{"Key": resKey, "Size": intValue(int64(len(compact(entries))))}},
		},
	}
	if err := store.PutObject(t.ctx, bucket, manKey, []byte(compact(manifest))); err != nil {
		return nil, runtimeErr(asl.StatesResultWriterFailed, "ResultWriter", "%s", err.Error())
	}
	return map[string]any{
		"MapRunArn":           mapRunARN,
		"ResultWriterDetails": map[string]any{"Bucket": bucket, "Key": manKey},
	}, nil
}

// transformResults applies a WriterConfig Transformation without a store.
func transformResults(mode string, results []any) any {
	if mode == "FLATTEN" {
		var out []any
		for _, r := range results {
			if a, ok := r.([]any); ok {
				out = append(out, a...)
			} else {
				out = append(out, r)
			}
		}
		return out
	}
	return results
}
