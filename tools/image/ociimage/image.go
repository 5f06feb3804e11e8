package ociimage

import (
	"errors"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image is one platform's image: the files as one layer on an empty base.
func Image(m Meta, p v1.Platform, files []File) (v1.Image, error) {
	layer, err := Layer(files, m.Created)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer: layer,
		// docker history shows where the layer came from.
		History: v1.History{Created: v1.Time{Time: m.Created}, CreatedBy: "tools/image (go-containerregistry)", Comment: "kos_exporter " + m.Version},
	})
	if err != nil {
		return nil, fmt.Errorf("%s image: %w", p, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s image config: %w", p, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: m.Created}
	cf.Config = Config(m)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("%s image config: %w", p, err)
	}
	return img, nil
}

// Index is the multi-platform image: one Image per platform in Platforms,
// built side by side (compressing the layers is most of the time), and
// annotated with the labels.
func Index(m Meta, in Inputs) (v1.ImageIndex, error) {
	ps := Platforms()
	adds := make([]mutate.IndexAddendum, len(ps))
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() {
			files, err := Files(in, p.Architecture)
			if err != nil {
				errs[i] = err
				return
			}
			img, err := Image(m, p, files)
			adds[i], errs[i] = mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}}, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	annotated, ok := mutate.Annotations(idx, Labels(m)).(v1.ImageIndex)
	if !ok {
		return nil, fmt.Errorf("annotating the index: not an index")
	}
	return annotated, nil
}
